package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"backoffice/internal/models"
)

// CreateBatch stores an uploaded file with its rows, all unchecked.
func (s *Store) CreateBatch(ctx context.Context, b *models.DisbursementBatch, rows []models.BatchRow, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		at := now()
		b.CreatedAt, b.UpdatedAt, b.Status, b.TotalRows = at, at, models.BatchValidating, len(rows)
		if err := tx.Create(b).Error; err != nil {
			return fmt.Errorf("store: create batch: %w", err)
		}
		for i := range rows {
			rows[i].BatchID = b.ID
		}
		if len(rows) > 0 {
			if err := tx.CreateInBatches(rows, 500).Error; err != nil {
				return fmt.Errorf("store: create batch rows: %w", err)
			}
		}
		audit.ObjectID = fmt.Sprint(b.ID)
		return insertAudit(tx, audit)
	})
}

// BatchByID loads a batch without its file.
func (s *Store) BatchByID(ctx context.Context, id int64) (*models.DisbursementBatch, error) {
	return first[models.DisbursementBatch](s.db.Read.WithContext(ctx).Omit("file"), id)
}

// BatchFile returns the uploaded file as it was received.
func (s *Store) BatchFile(ctx context.Context, id int64) (string, []byte, error) {
	var b models.DisbursementBatch
	err := s.db.Read.WithContext(ctx).Select("file_name", "file").First(&b, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil, ErrNotFound
	}
	return b.FileName, b.File, err
}

// ListBatches returns the newest batches without their files.
func (s *Store) ListBatches(ctx context.Context, limit int) ([]models.DisbursementBatch, error) {
	var out []models.DisbursementBatch
	err := s.listDB(ctx).Omit("file").Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// BatchRows lists a batch's rows: only the invalid ones when invalidOnly.
func (s *Store) BatchRows(ctx context.Context, batchID int64, invalidOnly bool, limit int) ([]models.BatchRow, error) {
	q := s.db.Read.WithContext(ctx).Where("batch_id = ?", batchID)
	if invalidOnly {
		q = q.Where(s.d.is("checked", true) + " AND error <> ''")
	}
	var out []models.BatchRow
	err := q.Order("line").Limit(limit).Find(&out).Error
	return out, err
}

// BatchesWithStatus lists batches the background job has work in.
func (s *Store) BatchesWithStatus(ctx context.Context, st models.BatchStatus) ([]models.DisbursementBatch, error) {
	var out []models.DisbursementBatch
	err := s.db.Read.WithContext(ctx).Omit("file").Where("status = ?", st).Order("id").Find(&out).Error
	return out, err
}

// UncheckedRows returns the next rows to check.
func (s *Store) UncheckedRows(ctx context.Context, batchID int64, limit int) ([]models.BatchRow, error) {
	var out []models.BatchRow
	err := s.db.Read.WithContext(ctx).Where("batch_id = ? AND "+s.d.is("checked", false), batchID).Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// SaveCheckedRows records checked rows and the batch's counts; when no
// row is left unchecked the batch becomes ready.
func (s *Store) SaveCheckedRows(ctx context.Context, batchID int64, rows []models.BatchRow) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, r := range rows {
			if err := tx.Model(&models.BatchRow{}).Where("id = ?", r.ID).Updates(map[string]any{
				"checked": true, "recipient_name": r.RecipientName, "error": r.Error, "amount": r.Amount,
			}).Error; err != nil {
				return err
			}
		}
		var c struct{ Checked, Valid, Sum, Left int64 }
		if err := tx.Raw(`SELECT count(*) FILTER (WHERE checked) AS checked, count(*) FILTER (WHERE checked AND error = '') AS valid,
			coalesce(sum(CASE WHEN checked AND error = '' THEN amount END), 0) AS sum, count(*) FILTER (WHERE NOT checked) AS "left"
			FROM batch_rows WHERE batch_id = ?`, batchID).Scan(&c).Error; err != nil {
			return err
		}
		cols := map[string]any{"checked_rows": c.Checked, "valid_rows": c.Valid, "valid_sum": c.Sum, "updated_at": now()}
		if c.Left == 0 {
			cols["status"] = models.BatchReady
		}
		return tx.Model(&models.DisbursementBatch{}).Where("id = ? AND status = ?", batchID, models.BatchValidating).Updates(cols).Error
	})
}

// RecentBatchWithFile finds a batch made from the same file since since.
func (s *Store) RecentBatchWithFile(ctx context.Context, sha256 string, since time.Time) (*models.DisbursementBatch, error) {
	return first[models.DisbursementBatch](s.db.Read.WithContext(ctx).Omit("file").Where("file_sha256 = ? AND created_at >= ?", sha256, since.UTC()).Order("id DESC"))
}

// ValidBatchRows lists the rows that will become transfers, with the name
// the bank returned for each.
func (s *Store) ValidBatchRows(ctx context.Context, batchID int64, limit int) ([]models.BatchRow, error) {
	var out []models.BatchRow
	err := s.db.Read.WithContext(ctx).Where("batch_id = ? AND "+s.d.is("checked", true)+" AND error = ''", batchID).Order("line").Limit(limit).Find(&out).Error
	return out, err
}

// BatchApprovals lists who approved a batch, first first.
func (s *Store) BatchApprovals(ctx context.Context, batchID int64) ([]models.BatchApproval, error) {
	var out []models.BatchApproval
	err := s.db.Read.WithContext(ctx).Where("batch_id = ?", batchID).Order("id").Find(&out).Error
	return out, err
}

// SubmitBatch turns every valid row into a disbursement waiting for
// approval, once: a second submit finds the batch already submitted. The
// batch's total decides how many approvals it needs, and every row needs
// the same: rows are approved with their batch.
func (s *Store) SubmitBatch(ctx context.Context, batchID int64, maker *models.User, newRef func(time.Time) string, audit *models.AuditEntry) (int, error) {
	n := 0
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var b models.DisbursementBatch
		if err := forUpdate(tx).Omit("file").First(&b, batchID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		dualAbove, err := dualApprovalAbove(tx)
		if err != nil {
			return err
		}
		need := models.ApprovalsNeeded(b.ValidSum, dualAbove)
		r := tx.Model(&models.DisbursementBatch{}).Where("id = ? AND status = ? AND maker_id = ?", batchID, models.BatchReady, maker.ID).
			Updates(map[string]any{"status": models.BatchSubmitted, "approvals_needed": need, "updated_at": now()})
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected != 1 {
			return ErrConflict
		}
		var rows []models.BatchRow
		if err := tx.Where("batch_id = ? AND "+s.d.is("checked", true)+" AND error = ''", batchID).Order("line").Find(&rows).Error; err != nil {
			return err
		}
		at := now()
		bid := batchID
		for _, row := range rows {
			d := &models.Disbursement{PartnerTrxID: newRef(at), BatchID: &bid, RecipientBank: row.RecipientBank, RecipientAccount: row.RecipientAccount,
				RecipientName: row.RecipientName, Amount: row.Amount, Note: row.Note, Emails: row.Email, Status: models.DisbWaitingApproval,
				MakerID: maker.ID, MakerEmail: maker.Email, ApprovalsNeeded: need, CreatedAt: at, UpdatedAt: at}
			if err := tx.Create(d).Error; err != nil {
				return err
			}
			if err := tx.Create(&models.DisbursementEvent{DisbursementID: d.ID, At: at, Source: "maker", ToStatus: d.Status,
				Message: fmt.Sprintf("created from line %d of batch %d after account inquiry", row.Line, batchID), ActorEmail: maker.Email}).Error; err != nil {
				return err
			}
			if err := tx.Model(&models.BatchRow{}).Where("id = ?", row.ID).Update("disbursement_id", d.ID).Error; err != nil {
				return err
			}
			n++
		}
		audit.Summary = fmt.Sprintf("%s: %d disbursements sent for approval", audit.Summary, n)
		return insertAudit(tx, audit)
	})
	return n, err
}

// BatchDecideResult says what one decision did to a batch.
type BatchDecideResult struct {
	Approvals, Needed int
	// Complete: this approval completed the batch's approvals; the rows
	// now go out, one remit each.
	Complete bool
}

// DecideBatch records one approval of a submitted batch, or rejects it.
// The batch's total, with the threshold in force now, decides how many
// approvals it needs; the one that completes them moves it to approving
// (the job then sends row by row). A rejection ends it at once.
func (s *Store) DecideBatch(ctx context.Context, batchID int64, approver *models.User, approve bool, audit *models.AuditEntry) (BatchDecideResult, error) {
	var res BatchDecideResult
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var b models.DisbursementBatch
		if err := forUpdate(tx).Omit("file").First(&b, batchID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if err := models.MayDecide(b.Status == models.BatchSubmitted, b.MakerID, approver); err != nil {
			return err
		}
		at := now()
		cols := map[string]any{"updated_at": at}
		if !approve {
			cols["status"] = models.BatchRejected
		} else {
			err := tx.Create(&models.BatchApproval{BatchID: batchID, UserID: approver.ID, UserEmail: approver.Email, At: at}).Error
			if isUniqueViolation(err) {
				return ErrAlreadyDecided
			}
			if err != nil {
				return err
			}
			var approvals int64
			if err := tx.Model(&models.BatchApproval{}).Where("batch_id = ?", batchID).Count(&approvals).Error; err != nil {
				return err
			}
			var total struct{ Sum int64 }
			if err := tx.Model(&models.Disbursement{}).Select("coalesce(sum(amount), 0) AS sum").
				Where("batch_id = ? AND status = ?", batchID, models.DisbWaitingApproval).Scan(&total).Error; err != nil {
				return err
			}
			dualAbove, err := dualApprovalAbove(tx)
			if err != nil {
				return err
			}
			dec := models.DecideBatchApproval(total.Sum, int(approvals), dualAbove)
			res = BatchDecideResult{Approvals: int(approvals), Needed: dec.Needed, Complete: dec.Complete}
			cols["approvals_needed"] = dec.Needed
			if dec.Complete {
				cols["status"], cols["approver_id"] = models.BatchApproving, approver.ID
			}
			audit.Summary = fmt.Sprintf("approval %d of %d; %s", approvals, dec.Needed, audit.Summary)
		}
		r := tx.Model(&models.DisbursementBatch{}).Where("id = ? AND status = ?", batchID, models.BatchSubmitted).Updates(cols)
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected != 1 {
			return ErrConflict
		}
		return insertAudit(tx, audit)
	})
	return res, err
}

// WithdrawBatch lets its maker take back a submitted batch before it is
// approved: every waiting row is withdrawn with it, nothing is sent.
func (s *Store) WithdrawBatch(ctx context.Context, batchID int64, maker *models.User, audit *models.AuditEntry) (int, error) {
	n := 0
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var b models.DisbursementBatch
		if err := forUpdate(tx).Omit("file").First(&b, batchID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if err := models.MayWithdraw(b.Status == models.BatchSubmitted, b.MakerID, maker); err != nil {
			return err
		}
		r := tx.Model(&models.DisbursementBatch{}).Where("id = ? AND status = ?", batchID, models.BatchSubmitted).
			Updates(map[string]any{"status": models.BatchWithdrawn, "updated_at": now()})
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected != 1 {
			return ErrConflict
		}
		var rows []models.Disbursement
		if err := tx.Where("batch_id = ? AND status = ?", batchID, models.DisbWaitingApproval).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			if err := withdrawIn(tx, &rows[i], maker, fmt.Sprintf("withdrawn with batch %d by its maker before approval; nothing was sent", batchID), nil); err != nil {
				return err
			}
			n++
		}
		audit.Summary = fmt.Sprintf("%s: %d transfers withdrawn", audit.Summary, n)
		return insertAudit(tx, audit)
	})
	return n, err
}

// ClaimBatchRow moves one waiting row of an approved batch to sending,
// with its batch's approvals, its timeline line, its audit entry and the
// batch's sent count, in one transaction: after a crash the count is
// exactly the rows claimed. claimed is false when the row was no longer
// waiting (nothing changed then); only a claimed row is sent.
func (s *Store) ClaimBatchRow(ctx context.Context, batchID, id int64, audit *models.AuditEntry) (claimed bool, err error) {
	err = s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var b models.DisbursementBatch
		if err := forUpdate(tx).Omit("file").First(&b, batchID).Error; err != nil {
			return err
		}
		if b.Status != models.BatchApproving {
			return nil
		}
		at := now()
		r := tx.Model(&models.Disbursement{}).Where("id = ? AND batch_id = ? AND status = ?", id, batchID, models.DisbWaitingApproval).
			Updates(map[string]any{"status": models.DisbSending, "sent_at": at, "updated_at": at, "next_poll_at": at.Add(2 * time.Minute)})
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected != 1 {
			return nil
		}
		var approvals []models.BatchApproval
		if err := tx.Where("batch_id = ?", batchID).Order("id").Find(&approvals).Error; err != nil {
			return err
		}
		var who []string
		for _, a := range approvals {
			who = append(who, a.UserEmail)
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.DisbursementApproval{DisbursementID: id, UserID: a.UserID,
				UserEmail: a.UserEmail, Decision: "approve", At: a.At}).Error; err != nil {
				return err
			}
		}
		if err := tx.Create(&models.DisbursementEvent{DisbursementID: id, At: at, Source: "approver", FromStatus: models.DisbWaitingApproval,
			ToStatus: models.DisbSending, Message: fmt.Sprintf("approved with batch %d by %s", batchID, cmp.Or(strings.Join(who, ", "), "its approver"))}).Error; err != nil {
			return err
		}
		if err := tx.Model(&models.DisbursementBatch{}).Where("id = ?", batchID).
			Updates(map[string]any{"sent_rows": gorm.Expr("sent_rows + 1"), "updated_at": at}).Error; err != nil {
			return err
		}
		claimed = true
		return insertAudit(tx, audit)
	})
	return claimed, err
}

// FinishBatch marks an approving batch done once no row waits.
func (s *Store) FinishBatch(ctx context.Context, batchID int64) error {
	return s.db.Write.WithContext(ctx).Model(&models.DisbursementBatch{}).Where("id = ? AND status = ?", batchID, models.BatchApproving).
		Updates(map[string]any{"status": models.BatchDone, "updated_at": now()}).Error
}

// WaitingInBatch returns the batch's disbursements still waiting approval.
func (s *Store) WaitingInBatch(ctx context.Context, batchID int64, limit int) ([]models.Disbursement, error) {
	var out []models.Disbursement
	err := s.db.Read.WithContext(ctx).Where("batch_id = ? AND status = ?", batchID, models.DisbWaitingApproval).Order("id").Limit(limit).Find(&out).Error
	return out, err
}
