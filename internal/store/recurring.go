package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// CreateRecurring stores a recurring invoice template with its audit entry.
func (s *Store) CreateRecurring(ctx context.Context, r *models.RecurringInvoice, audit *models.AuditEntry) error {
	t := now()
	r.CreatedAt, r.UpdatedAt = t, t
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(r).Error; err != nil {
			return fmt.Errorf("store: create recurring invoice: %w", err)
		}
		audit.ObjectID = fmt.Sprint(r.ID)
		return insertAudit(tx, audit)
	})
}

// Recurring loads one template.
func (s *Store) Recurring(ctx context.Context, id int64) (*models.RecurringInvoice, error) {
	return first[models.RecurringInvoice](s.db.Read.WithContext(ctx), id)
}

// ListRecurring returns the newest templates.
func (s *Store) ListRecurring(ctx context.Context, limit int) ([]models.RecurringInvoice, error) {
	var out []models.RecurringInvoice
	err := s.listDB(ctx).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// ActiveRecurring returns every template the scheduler runs.
func (s *Store) ActiveRecurring(ctx context.Context) ([]models.RecurringInvoice, error) {
	var out []models.RecurringInvoice
	err := s.db.Read.WithContext(ctx).Where("status = ?", models.RecurringActive).Order("id").Find(&out).Error
	return out, err
}

// ErrRecurringState: the template is not in a state that allows the change.
var ErrRecurringState = errors.New("store: recurring invoice state does not allow this")

// SetRecurringStatus pauses, resumes or ends a template. Resuming skips
// the periods that fell due while it was paused (skipTo: the first period
// still to make); ended is final.
func (s *Store) SetRecurringStatus(ctx context.Context, id int64, from []models.RecurringStatus, to models.RecurringStatus, skipTo int, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cols := map[string]any{"status": to, "updated_at": now()}
		if skipTo > 0 {
			cols["next_period"] = gorm.Expr("CASE WHEN next_period < ? THEN ? ELSE next_period END", skipTo, skipTo)
		}
		r := tx.Model(&models.RecurringInvoice{}).Where("id = ? AND status IN ?", id, from).Updates(cols)
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected != 1 {
			return ErrRecurringState
		}
		return insertAudit(tx, audit)
	})
}

// ClaimPeriod makes period n's invoice of template r, in its sending
// state, and moves the template past n, in one transaction. The unique
// index on (recurring_id, recurring_period) makes it happen once however
// many schedulers ask: claimed is false when another one made it first, or
// when the template is no longer active.
func (s *Store) ClaimPeriod(ctx context.Context, r *models.RecurringInvoice, n int, c *models.Checkout) (claimed bool, err error) {
	t := now()
	c.CreatedAt, c.UpdatedAt = t, t
	c.RecurringID, c.RecurringPeriod = &r.ID, &n
	err = s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Schedulers claiming the same template take turns (PostgreSQL
		// locks its row; SQLite has one writer).
		var st models.RecurringStatus
		if err := forUpdate(tx).Model(&models.RecurringInvoice{}).Select("status").Where("id = ?", r.ID).Scan(&st).Error; err != nil {
			return err
		}
		if st != models.RecurringActive {
			return nil
		}
		var exists int64
		if err := tx.Model(&models.Checkout{}).Where("recurring_id = ? AND recurring_period = ?", r.ID, n).Count(&exists).Error; err != nil {
			return err
		}
		if exists == 0 {
			if err := createOrViolation(tx, c); err != nil {
				if isUniqueViolation(err) {
					return nil
				}
				return fmt.Errorf("store: claim recurring period: %w", err)
			}
			msg := fmt.Sprintf("made by the recurring schedule %d for period %d", r.ID, n+1)
			if c.CatchUp {
				msg += " (catch-up: the server was not running on the due date)"
			}
			if err := tx.Create(&models.CheckoutEvent{CheckoutID: c.ID, At: t, Source: "scheduler", ToStatus: c.Status, Message: msg}).Error; err != nil {
				return err
			}
			claimed = true
		}
		return tx.Model(&models.RecurringInvoice{}).Where("id = ?", r.ID).
			Updates(map[string]any{"next_period": gorm.Expr("CASE WHEN next_period < ? THEN ? ELSE next_period END", n+1, n+1), "updated_at": t}).Error
	})
	return claimed, err
}
