package disbursements

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
	"backoffice/internal/store"
)

// Bulk upload limits.
const (
	MaxBatchRows  = 10_000
	MaxBatchBytes = 5 << 20
)

// ErrBatchFile is a file that cannot be read as a batch, in the clerk's words.
type ErrBatchFile struct{ Message string }

func (e *ErrBatchFile) Error() string { return e.Message }

// ParseBatchFile reads the CSV columns bank code, account, amount, note,
// email. A first line naming the columns is skipped. Rows are only split
// here; checking them is the background job's work.
func ParseBatchFile(data []byte) ([]models.BatchRow, error) {
	if len(data) == 0 {
		return nil, &ErrBatchFile{"The file is empty."}
	}
	if len(data) > MaxBatchBytes {
		return nil, &ErrBatchFile{"The file is larger than 5 MB."}
	}
	if !utf8.Valid(data) {
		return nil, &ErrBatchFile{"The file is not text (save it as CSV, UTF-8)."}
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var rows []models.BatchRow
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &ErrBatchFile{fmt.Sprintf("Line %d cannot be read as CSV: %v.", line, err)}
		}
		if line == 1 && len(rec) > 0 && strings.Contains(strings.ToLower(rec[0]), "bank") {
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		cell := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := models.BatchRow{Line: line, RecipientBank: cell(0), RecipientAccount: cell(1), AmountText: cell(2), Note: cell(3), Email: cell(4)}
		if len(rec) > 5 {
			row.Error = fmt.Sprintf("This line has %d columns; use bank code, account, amount, note, email.", len(rec))
			row.Checked = true
		}
		rows = append(rows, row)
		if len(rows) > MaxBatchRows {
			return nil, &ErrBatchFile{"The file has more than 10,000 rows; split it into several files."}
		}
	}
	if len(rows) == 0 {
		return nil, &ErrBatchFile{"The file has no rows to send."}
	}
	return rows, nil
}

// CreateBatch stores the file and its rows; checking starts in the background.
func (s *Service) CreateBatch(ctx context.Context, maker *models.User, name string, data []byte, audit *models.AuditEntry) (*models.DisbursementBatch, error) {
	rows, err := ParseBatchFile(data)
	if err != nil {
		return nil, err
	}
	b := &models.DisbursementBatch{FileName: name, File: data, MakerID: maker.ID, MakerEmail: maker.Email}
	audit.Summary = fmt.Sprintf("uploaded %s with %d rows", name, len(rows))
	if err := s.store.CreateBatch(ctx, b, rows, audit); err != nil {
		return nil, err
	}
	s.wakeBatches()
	return b, nil
}

func (s *Service) wakeBatches() {
	select {
	case s.batchWake <- struct{}{}:
	default:
	}
}

// checkRows validates and inquires the next rows of a batch.
func (s *Service) checkRows(ctx context.Context, b *models.DisbursementBatch) (int, error) {
	rows, err := s.store.UncheckedRows(ctx, b.ID, 50)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	for i := range rows {
		r := &rows[i]
		p, errs := Form{Bank: r.RecipientBank, Account: r.RecipientAccount, Amount: r.AmountText, Note: r.Note, Emails: r.Email}.Validate()
		if len(errs) > 0 {
			for _, k := range []string{"recipient_bank", "recipient_account", "amount", "note", "email"} {
				if msg, ok := errs[k]; ok {
					r.Error = msg
					break
				}
			}
			continue
		}
		r.Amount = p.Amount
		inq, err := s.oy.Inquiry(ctx, &oy.InquiryParams{RecipientBank: p.Bank, RecipientAccount: p.Account})
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			r.Error = "Account check failed: " + errMessage(err)
			continue
		}
		r.RecipientName = inq.RecipientName
	}
	return len(rows), s.store.SaveCheckedRows(ctx, b.ID, rows)
}

// sendRows approves and sends the next waiting disbursements of an
// approved batch, each through the same one-remit path as a single one.
func (s *Service) sendRows(ctx context.Context, b *models.DisbursementBatch) (int, error) {
	if b.ApproverID == nil {
		return 0, errors.New("approving batch without an approver")
	}
	approver, err := s.store.UserByID(ctx, *b.ApproverID)
	if err != nil {
		return 0, err
	}
	waiting, err := s.store.WaitingInBatch(ctx, b.ID, 20)
	if err != nil {
		return 0, err
	}
	if len(waiting) == 0 {
		return 0, s.store.FinishBatch(ctx, b.ID, b.SentRows)
	}
	sent := b.SentRows
	for _, d := range waiting {
		audit := &models.AuditEntry{ActorID: &approver.ID, ActorEmail: approver.Email, Action: "disbursement.approve", ObjectType: "disbursement",
			ObjectID: fmt.Sprint(d.ID), Summary: fmt.Sprintf("batch %d approved: %s to %s, ref %s", b.ID, money.Format(d.Amount), d.RecipientName, d.PartnerTrxID)}
		if _, err := s.Decide(ctx, d.ID, store.Decision{User: approver, Approve: true}, audit); err != nil && !errors.Is(err, store.ErrConflict) {
			s.log.Error("batch approve", "batch_id", b.ID, "disbursement_id", d.ID, "err", err.Error())
			continue
		}
		sent++
	}
	return len(waiting), s.store.CountBatchSent(ctx, b.ID, sent)
}

// RunBatches works through uploaded files until ctx ends: checking rows
// of new batches and sending rows of approved ones. It resumes after a
// restart from what the database says is left.
func (s *Service) RunBatches(ctx context.Context) {
	for {
		worked := false
		for _, st := range []models.BatchStatus{models.BatchValidating, models.BatchApproving} {
			batches, err := s.store.BatchesWithStatus(ctx, st)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("batches", "err", err.Error())
				}
				break
			}
			for i := range batches {
				var n int
				if st == models.BatchValidating {
					n, err = s.checkRows(ctx, &batches[i])
				} else {
					n, err = s.sendRows(ctx, &batches[i])
				}
				if err != nil && ctx.Err() == nil {
					s.log.Error("batch job", "batch_id", batches[i].ID, "err", err.Error())
				}
				worked = worked || n > 0
			}
		}
		if worked {
			continue
		}
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.batchWake:
			t.Stop()
		case <-t.C:
		}
	}
}

// SubmitBatch sends the batch's valid rows for approval as one batch.
func (s *Service) SubmitBatch(ctx context.Context, batchID int64, maker *models.User, audit *models.AuditEntry) (int, error) {
	need, err := s.approvalRule(ctx)
	if err != nil {
		return 0, err
	}
	return s.store.SubmitBatch(ctx, batchID, maker, need, NewPartnerTrxID, audit)
}

// DecideBatch approves (rows are then sent in the background) or rejects a batch.
func (s *Service) DecideBatch(ctx context.Context, batchID int64, approver *models.User, approve bool, audit *models.AuditEntry) error {
	if err := s.store.DecideBatch(ctx, batchID, approver, approve, audit); err != nil {
		return err
	}
	if !approve {
		waiting, err := s.store.WaitingInBatch(ctx, batchID, MaxBatchRows)
		if err != nil {
			return err
		}
		for _, d := range waiting {
			a := &models.AuditEntry{ActorID: &approver.ID, ActorEmail: approver.Email, Action: "disbursement.reject", ObjectType: "disbursement",
				ObjectID: fmt.Sprint(d.ID), Summary: fmt.Sprintf("batch %d rejected", batchID)}
			if _, err := s.store.Decide(ctx, d.ID, store.Decision{User: approver, Approve: false, Reason: "batch rejected"}, a); err != nil && !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
		return nil
	}
	s.wakeBatches()
	return nil
}
