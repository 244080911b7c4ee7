package disbursements

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"backoffice/internal/lifecycle"
	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
	"backoffice/internal/store"
	"backoffice/internal/wib"
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
// email and, optionally, the recipient's name as the maker knows it (the
// batch page sets it beside the name the bank returns). A first line
// naming the columns is skipped. Rows are only split
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
		row := models.BatchRow{Line: line, RecipientBank: cell(0), RecipientAccount: cell(1), AmountText: cell(2), Note: cell(3), Email: cell(4),
			NameInFile: truncateRunes(cell(5), 100)}
		if len(rec) > 6 {
			row.Error = fmt.Sprintf("This line has %d columns; use bank code, account, amount, note, email, name.", len(rec))
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

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// DuplicateWindow is how far back an upload of the same file is found.
const DuplicateWindow = 24 * time.Hour

// DuplicateFileError: the same file made a batch less than a day ago; the
// maker must say they mean a second one.
type DuplicateFileError struct{ Earlier *models.DisbursementBatch }

func (e *DuplicateFileError) Error() string {
	return fmt.Sprintf("This same file was uploaded %s as batch %d (%s). Nothing was made now. If you do mean to pay these transfers a second time, tick the box and choose the file again.",
		wib.Format(e.Earlier.CreatedAt), e.Earlier.ID, e.Earlier.FileName)
}

// CreateBatch stores the file and its rows; checking starts in the
// background. The same file uploaded again within DuplicateWindow is
// refused with a *DuplicateFileError unless again is set.
func (s *Service) CreateBatch(ctx context.Context, maker *models.User, name string, data []byte, again bool, audit *models.AuditEntry) (*models.DisbursementBatch, error) {
	rows, err := ParseBatchFile(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	if !again {
		earlier, err := s.store.RecentBatchWithFile(ctx, hash, time.Now().Add(-DuplicateWindow))
		if err == nil {
			return nil, &DuplicateFileError{Earlier: earlier}
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	b := &models.DisbursementBatch{FileName: name, File: data, FileSHA256: hash, MakerID: maker.ID, MakerEmail: maker.Email}
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

// sendRows sends the next waiting rows of an approved batch, each
// through the same one-remit path as a single transfer: a row is claimed
// (counted) in one transaction, then sent once. It returns how many rows
// it moved on.
func (s *Service) sendRows(ctx context.Context, b *models.DisbursementBatch) (int, error) {
	waiting, err := s.store.WaitingInBatch(ctx, b.ID, 20)
	if err != nil {
		return 0, err
	}
	if len(waiting) == 0 {
		return 0, s.store.FinishBatch(ctx, b.ID)
	}
	approver := "batch " + strconv.FormatInt(b.ID, 10)
	if b.ApproverID != nil {
		if u, err := s.store.UserByID(ctx, *b.ApproverID); err == nil {
			approver = u.Email
		}
	}
	moved := 0
	for i := range waiting {
		d := &waiting[i]
		audit := &models.AuditEntry{ActorID: b.ApproverID, ActorEmail: approver, Action: "disbursement.approve", ObjectType: "disbursement",
			ObjectID: fmt.Sprint(d.ID), Summary: fmt.Sprintf("batch %d approved: %s to %s, ref %s", b.ID, money.Format(d.Amount), d.RecipientName, d.PartnerTrxID)}
		claimed, err := s.store.ClaimBatchRow(ctx, b.ID, d.ID, audit)
		if err != nil {
			return moved, err
		}
		if !claimed {
			continue
		}
		moved++
		s.send(ctx, d, approver)
	}
	return moved, nil
}

// batchBackoff spaces the retries of a batch whose job failed, so a
// failing batch costs a log line now and then, not a core.
var batchBackoff = lifecycle.Backoff{First: time.Second, Max: 5 * time.Minute}

// batchRetries remembers, per batch, the failures in a row and when to try again.
type batchRetries map[int64]struct {
	failures int
	next     time.Time
}

func (r batchRetries) due(id int64, now time.Time) bool { return !now.Before(r[id].next) }

func (r batchRetries) failed(id int64, now time.Time) time.Duration {
	e := r[id]
	wait := batchBackoff.After(e.failures)
	e.failures++
	e.next = now.Add(wait)
	r[id] = e
	return wait
}

// RunBatches works through uploaded files until ctx ends: checking rows
// of new batches and sending rows of approved ones. It resumes after a
// restart from what the database says is left. It loops again at once
// only when a batch moved on; a batch whose job fails waits, doubling.
func (s *Service) RunBatches(ctx context.Context) {
	retries := batchRetries{}
	listFailures := 0
	for {
		worked := false
		for _, st := range []models.BatchStatus{models.BatchValidating, models.BatchApproving} {
			batches, err := s.store.BatchesWithStatus(ctx, st)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("batches", "err", err.Error())
				}
				listFailures++
				break
			}
			listFailures = 0
			for i := range batches {
				b := &batches[i]
				if !retries.due(b.ID, time.Now()) {
					continue
				}
				var n int
				if st == models.BatchValidating {
					n, err = s.checkRows(ctx, b)
				} else {
					n, err = s.sendRows(ctx, b)
				}
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					wait := retries.failed(b.ID, time.Now())
					s.log.Error("batch job", "batch_id", b.ID, "err", err.Error(), "retry_in", wait.String())
					continue
				}
				delete(retries, b.ID)
				worked = worked || n > 0
			}
		}
		if worked {
			continue
		}
		t := time.NewTimer(max(time.Second, batchBackoff.After(listFailures-1)))
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
	return s.store.SubmitBatch(ctx, batchID, maker, NewPartnerTrxID, audit)
}

// DecideBatch records one approval of a batch (the approval that
// completes them has the rows sent in the background) or rejects it. An
// approval is refused when OY's available balance, read just now, cannot
// cover the batch's waiting total.
func (s *Service) DecideBatch(ctx context.Context, batchID int64, approver *models.User, approve bool, audit *models.AuditEntry) (store.BatchDecideResult, error) {
	if approve {
		b, err := s.store.BatchByID(ctx, batchID)
		if err != nil {
			return store.BatchDecideResult{}, err
		}
		if b.Status == models.BatchSubmitted && b.MakerID != approver.ID {
			_, total, err := s.store.DisbursementTotals(ctx, store.DisbursementFilter{BatchID: batchID, Status: models.DisbWaitingApproval})
			if err != nil {
				return store.BatchDecideResult{}, err
			}
			if _, err := s.CoverFromBalance(ctx, total, approver.Email); err != nil {
				return store.BatchDecideResult{}, err
			}
		}
	}
	res, err := s.store.DecideBatch(ctx, batchID, approver, approve, audit)
	if err != nil {
		return res, err
	}
	if !approve {
		waiting, err := s.store.WaitingInBatch(ctx, batchID, MaxBatchRows)
		if err != nil {
			return res, err
		}
		for _, d := range waiting {
			a := &models.AuditEntry{ActorID: &approver.ID, ActorEmail: approver.Email, Action: "disbursement.reject", ObjectType: "disbursement",
				ObjectID: fmt.Sprint(d.ID), Summary: fmt.Sprintf("batch %d rejected", batchID)}
			if _, err := s.store.Decide(ctx, d.ID, store.Decision{User: approver, Approve: false, Reason: "batch rejected"}, a); err != nil && !errors.Is(err, store.ErrConflict) {
				return res, err
			}
		}
		return res, nil
	}
	if res.Complete {
		s.wakeBatches()
	}
	return res, nil
}

// WithdrawBatch lets its maker take back a submitted batch before approval.
func (s *Service) WithdrawBatch(ctx context.Context, batchID int64, maker *models.User, audit *models.AuditEntry) (int, error) {
	return s.store.WithdrawBatch(ctx, batchID, maker, audit)
}
