package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

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
	var b models.DisbursementBatch
	err := s.db.Read.WithContext(ctx).Omit("file").First(&b, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &b, err
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
	err := s.db.Read.WithContext(ctx).Omit("file").Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// BatchRows lists a batch's rows: only the invalid ones when invalidOnly.
func (s *Store) BatchRows(ctx context.Context, batchID int64, invalidOnly bool, limit int) ([]models.BatchRow, error) {
	q := s.db.Read.WithContext(ctx).Where("batch_id = ?", batchID)
	if invalidOnly {
		q = q.Where("checked = 1 AND error <> ''")
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
	err := s.db.Read.WithContext(ctx).Where("batch_id = ? AND checked = 0", batchID).Order("id").Limit(limit).Find(&out).Error
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
		if err := tx.Raw(`SELECT sum(checked) AS checked, sum(checked AND error = '') AS valid,
			coalesce(sum(CASE WHEN checked AND error = '' THEN amount END), 0) AS sum, sum(NOT checked) AS left
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

// SubmitBatch turns every valid row into a disbursement waiting for
// approval, once: a second submit finds the batch already submitted.
func (s *Store) SubmitBatch(ctx context.Context, batchID int64, maker *models.User, approvalsNeeded func(int64) int, newRef func(time.Time) string, audit *models.AuditEntry) (int, error) {
	n := 0
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r := tx.Model(&models.DisbursementBatch{}).Where("id = ? AND status = ? AND maker_id = ?", batchID, models.BatchReady, maker.ID).
			Updates(map[string]any{"status": models.BatchSubmitted, "updated_at": now()})
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected != 1 {
			return ErrConflict
		}
		var rows []models.BatchRow
		if err := tx.Where("batch_id = ? AND checked = 1 AND error = ''", batchID).Order("line").Find(&rows).Error; err != nil {
			return err
		}
		at := now()
		bid := batchID
		for _, row := range rows {
			d := &models.Disbursement{PartnerTrxID: newRef(at), BatchID: &bid, RecipientBank: row.RecipientBank, RecipientAccount: row.RecipientAccount,
				RecipientName: row.RecipientName, Amount: row.Amount, Note: row.Note, Emails: row.Email, Status: models.DisbWaitingApproval,
				MakerID: maker.ID, MakerEmail: maker.Email, ApprovalsNeeded: approvalsNeeded(row.Amount), CreatedAt: at, UpdatedAt: at}
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

// DecideBatch marks a submitted batch approved (the job then approves and
// sends row by row) or rejected (every waiting row rejected), once.
func (s *Store) DecideBatch(ctx context.Context, batchID int64, approver *models.User, approve bool, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var b models.DisbursementBatch
		if err := tx.Omit("file").First(&b, batchID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if err := models.MayDecide(b.Status == models.BatchSubmitted, b.MakerID, approver); err != nil {
			return err
		}
		next := models.BatchApproving
		if !approve {
			next = models.BatchRejected
		}
		if err := tx.Model(&models.DisbursementBatch{}).Where("id = ?", batchID).Updates(map[string]any{"status": next, "approver_id": approver.ID, "updated_at": now()}).Error; err != nil {
			return err
		}
		return insertAudit(tx, audit)
	})
}

// FinishBatch marks an approving batch done with its sent count.
func (s *Store) FinishBatch(ctx context.Context, batchID int64, sent int) error {
	return s.db.Write.WithContext(ctx).Model(&models.DisbursementBatch{}).Where("id = ?", batchID).
		Updates(map[string]any{"status": models.BatchDone, "sent_rows": sent, "updated_at": now()}).Error
}

// CountBatchSent updates the progress of an approving batch.
func (s *Store) CountBatchSent(ctx context.Context, batchID int64, sent int) error {
	return s.db.Write.WithContext(ctx).Model(&models.DisbursementBatch{}).Where("id = ?", batchID).
		Updates(map[string]any{"sent_rows": sent, "updated_at": now()}).Error
}

// WaitingInBatch returns the batch's disbursements still waiting approval.
func (s *Store) WaitingInBatch(ctx context.Context, batchID int64, limit int) ([]models.Disbursement, error) {
	var out []models.Disbursement
	err := s.db.Read.WithContext(ctx).Where("batch_id = ? AND status = ?", batchID, models.DisbWaitingApproval).Order("id").Limit(limit).Find(&out).Error
	return out, err
}
