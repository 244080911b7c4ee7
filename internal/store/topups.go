package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// CreateTopupDraft stores an inquired top-up waiting for confirmation.
func (s *Store) CreateTopupDraft(ctx context.Context, d *models.TopupDraft) error {
	d.CreatedAt = now()
	return s.db.Write.WithContext(ctx).Create(d).Error
}

// TopupDraftByKey loads a draft of this user.
func (s *Store) TopupDraftByKey(ctx context.Context, key string, userID int64) (*models.TopupDraft, error) {
	return first[models.TopupDraft](s.db.Read.WithContext(ctx).Where("key = ? AND user_id = ?", key, userID))
}

// ConfirmTopupResult says what a confirmation did.
type ConfirmTopupResult struct {
	Topup *models.Topup
	// Created: this confirmation made the top-up (false: a repeat of the
	// same draft, which returns the top-up made the first time).
	Created bool
	// Claimed: no approval is needed and this confirmation moved the
	// top-up to paying; its caller, and only it, sends the payment.
	Claimed bool
}

// ConfirmTopupDraft turns a draft into a top-up: waiting for approval when
// approvalsNeeded > 0, otherwise claimed for payment at once. Confirming
// the same draft again returns the first top-up and claims nothing.
func (s *Store) ConfirmTopupDraft(ctx context.Context, draft *models.TopupDraft, maker *models.User, approvalsNeeded int, audit *models.AuditEntry) (ConfirmTopupResult, error) {
	var res ConfirmTopupResult
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing models.Topup
		// Two confirmations of one draft at once (a double click) take
		// turns, so the second finds what the first made.
		if err := s.d.lockKey(tx, "draft "+draft.Key); err != nil {
			return err
		}
		if err := tx.Where("draft_key = ?", draft.Key).First(&existing).Error; err == nil {
			res.Topup = &existing
			return nil
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		at := now()
		key := draft.Key
		t := &models.Topup{RefNumber: draft.RefNumber, DraftKey: &key, Phone: draft.Phone, ProductCode: draft.ProductCode,
			ProductName: draft.ProductName, OpenAmount: draft.OpenAmount, Amount: draft.Amount, AdminFee: draft.AdminFee,
			CustomerName: draft.CustomerName, InquiryID: draft.InquiryID, Status: models.TopupWaitingApproval,
			MakerID: maker.ID, MakerEmail: maker.Email, ApprovalsNeeded: approvalsNeeded, CreatedAt: at, UpdatedAt: at}
		msg := "created after Ayopop's inquiry; customer name confirmed by the maker"
		if approvalsNeeded == 0 {
			t.Status, t.SentAt = models.TopupPaying, &at
			// Should the process die before Ayopop answers, the poller asks
			// Ayopop's status — it never pays again.
			next := at.Add(pollBackstop)
			t.NextPollAt = &next
			msg += "; below the approval threshold, so paid at once"
			res.Claimed = true
		}
		if err := tx.Create(t).Error; err != nil {
			return fmt.Errorf("store: create top-up: %w", err)
		}
		res.Topup, res.Created = t, true
		if err := tx.Create(&models.TopupEvent{TopupID: t.ID, At: at, Source: "maker", ToStatus: t.Status, Message: msg, ActorEmail: maker.Email}).Error; err != nil {
			return err
		}
		audit.ObjectID = fmt.Sprint(t.ID)
		return insertAudit(tx, audit)
	})
	if err != nil {
		res.Claimed = false
	}
	return res, err
}

// pollBackstop is when a claimed top-up is first checked should its
// payment answer never be recorded (Ayopop's advised wait).
const pollBackstop = 150 * time.Second

// TopupByID loads one top-up.
func (s *Store) TopupByID(ctx context.Context, id int64) (*models.Topup, error) {
	return first[models.Topup](s.db.Read.WithContext(ctx), id)
}

// TopupByRef loads a top-up by our Ayopop refNumber.
func (s *Store) TopupByRef(ctx context.Context, ref string) (*models.Topup, error) {
	return first[models.Topup](s.db.Read.WithContext(ctx).Where("ref_number = ?", ref))
}

// TopupDetail is the approvals and timeline of a top-up.
type TopupDetail struct {
	Approvals []models.TopupApproval
	Events    []models.TopupEvent
}

// TopupHistory loads approvals and the timeline, oldest first.
func (s *Store) TopupHistory(ctx context.Context, id int64) (TopupDetail, error) {
	var out TopupDetail
	r := s.db.Read.WithContext(ctx)
	if err := r.Where("topup_id = ?", id).Order("id").Find(&out.Approvals).Error; err != nil {
		return out, err
	}
	err := r.Where("topup_id = ?", id).Order("id").Find(&out.Events).Error
	return out, err
}

// DecideTopupResult says what a decision did.
type DecideTopupResult struct {
	Topup *models.Topup
	// Claimed: this decision completed the approvals and moved the top-up
	// to paying; the caller, and only it, sends the payment.
	Claimed bool
}

// DecideTopup records an approval or rejection with models.Topup.Decide in
// one immediate transaction, so two approvers racing cannot both pay.
func (s *Store) DecideTopup(ctx context.Context, id int64, dec Decision, audit *models.AuditEntry) (DecideTopupResult, error) {
	var res DecideTopupResult
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t models.Topup
		if err := forUpdate(tx).First(&t, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		res.Topup = &t
		if err := models.MayDecide(t.Status == models.TopupWaitingApproval, t.MakerID, dec.User); err != nil {
			return err
		}
		at := now()
		decision := "reject"
		if dec.Approve {
			decision = "approve"
		}
		err := tx.Create(&models.TopupApproval{TopupID: id, UserID: dec.User.ID, UserEmail: dec.User.Email, Decision: decision, Reason: dec.Reason, At: at}).Error
		if isUniqueViolation(err) {
			return ErrAlreadyDecided
		}
		if err != nil {
			return err
		}
		var approvals int64
		if err := tx.Model(&models.TopupApproval{}).Where("topup_id = ? AND decision = ?", id, "approve").Count(&approvals).Error; err != nil {
			return err
		}
		eff, err := t.Decide(dec.User, dec.Approve, dec.Reason, int(approvals))
		if err != nil {
			return err
		}
		if eff.To != t.Status {
			cols := map[string]any{"status": eff.To, "updated_at": at}
			if eff.To.Final() {
				cols["final_at"] = at
			}
			if eff.Pay {
				cols["sent_at"] = at
				cols["next_poll_at"] = at.Add(pollBackstop)
			}
			r := tx.Model(&models.Topup{}).Where("id = ? AND status = ?", id, models.TopupWaitingApproval).Updates(cols)
			if r.Error != nil {
				return r.Error
			}
			if r.RowsAffected != 1 {
				return ErrConflict
			}
			res.Claimed = eff.Pay
		}
		if err := tx.Create(&models.TopupEvent{TopupID: id, At: at, Source: "approver", FromStatus: t.Status, ToStatus: eff.To,
			Message: eff.Message, ActorEmail: dec.User.Email}).Error; err != nil {
			return err
		}
		t.Status = eff.To
		audit.Summary = eff.Message + "; " + audit.Summary
		return insertAudit(tx, audit)
	})
	if err != nil {
		res.Claimed = false
	}
	return res, err
}

// applyTopup moves a top-up through its state machine (models.Topup.Observe)
// inside tx and reports whether the status moved.
func applyTopup(tx *gorm.DB, id int64, o models.TopupObservation) (bool, error) {
	var t models.Topup
	if err := forUpdate(tx).First(&t, id).Error; err != nil {
		return false, err
	}
	next, ev, moved := t.Observe(o, now())
	cols := map[string]any{"updated_at": next.UpdatedAt, "polls": next.Polls, "status": next.Status, "final_at": next.FinalAt,
		"next_poll_at": next.NextPollAt, "code": next.Code, "provider_message": next.ProviderMessage, "transaction_id": next.TransactionID,
		"serial_number": next.SerialNumber, "paid_at": next.PaidAt}
	if err := tx.Model(&models.Topup{}).Where("id = ?", id).Updates(cols).Error; err != nil {
		return false, err
	}
	if ev != nil {
		if err := tx.Create(ev).Error; err != nil {
			return false, err
		}
	}
	return moved, nil
}

// ApplyTopupStatus applies one observed Ayopop state in its own transaction.
func (s *Store) ApplyTopupStatus(ctx context.Context, id int64, o models.TopupObservation) (bool, error) {
	var moved bool
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		moved, err = applyTopup(tx, id, o)
		return err
	})
	return moved, err
}

// TopupMove is the record change of a processed Ayopop callback, applied
// in the transaction that marks the callback processed.
type TopupMove struct {
	ID     int64
	Change models.TopupObservation
}

func (m TopupMove) applyIn(tx *gorm.DB) (bool, error) { return applyTopup(tx, m.ID, m.Change) }

// DueTopupPolls returns non-final top-ups whose next status check is due at at.
func (s *Store) DueTopupPolls(ctx context.Context, at time.Time, limit int) ([]models.Topup, error) {
	var out []models.Topup
	err := s.db.Read.WithContext(ctx).Where("next_poll_at IS NOT NULL AND next_poll_at <= ?", at.UTC()).
		Order("next_poll_at").Limit(limit).Find(&out).Error
	return out, err
}

// AddAyopopBalanceReading stores one reading of the Ayopop deposit.
func (s *Store) AddAyopopBalanceReading(ctx context.Context, r *models.AyopopBalanceReading) error {
	return s.db.Write.WithContext(ctx).Create(r).Error
}

// LatestAyopopBalance is the newest deposit reading, or ErrNotFound.
func (s *Store) LatestAyopopBalance(ctx context.Context) (*models.AyopopBalanceReading, error) {
	return first[models.AyopopBalanceReading](s.db.Read.WithContext(ctx).Order("id DESC"))
}
