package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// Payment links and invoices share the checkouts table (kind tells them
// apart): OY creates both through the same checkout and calls back through
// the same callback.

// CreateCheckout stores a new link or invoice in its sending state, with
// its first timeline line and the audit entry, before anything is sent.
// A partner_tx_id already used is ErrDuplicate.
func (s *Store) CreateCheckout(ctx context.Context, c *models.Checkout, audit *models.AuditEntry) error {
	t := now()
	c.CreatedAt, c.UpdatedAt = t, t
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(c).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrDuplicate
			}
			return fmt.Errorf("store: create checkout: %w", err)
		}
		ev := &models.CheckoutEvent{CheckoutID: c.ID, At: t, Source: "create", ToStatus: c.Status, ActorEmail: c.MakerEmail,
			Message: "saved; sending to OY"}
		if err := tx.Create(ev).Error; err != nil {
			return err
		}
		if audit == nil {
			return nil
		}
		audit.ObjectID = fmt.Sprint(c.ID)
		return insertAudit(tx, audit)
	})
}

// Checkout loads one link or invoice.
func (s *Store) Checkout(ctx context.Context, id int64) (*models.Checkout, error) {
	return first[models.Checkout](s.db.Read.WithContext(ctx), id)
}

// CheckoutByRef loads a link or invoice by its partner_tx_id.
func (s *Store) CheckoutByRef(ctx context.Context, partnerTxID string) (*models.Checkout, error) {
	return first[models.Checkout](s.db.Read.WithContext(ctx).Where("partner_tx_id = ?", partnerTxID))
}

// CheckoutEvents is a link's timeline, oldest first.
func (s *Store) CheckoutEvents(ctx context.Context, id int64) ([]models.CheckoutEvent, error) {
	var out []models.CheckoutEvent
	err := s.db.Read.WithContext(ctx).Where("checkout_id = ?", id).Order("id").Find(&out).Error
	return out, err
}

// CheckoutPayment is what OY reports about the customer's payment.
type CheckoutPayment struct {
	Amount        int64
	PaymentMethod string
	SenderBank    string
	VANumber      string
	TxRefNumber   string
	PayerName     string
}

// CheckoutChange is one observation of a link: OY's answer to the create,
// a confirmed callback, a status or Get call, a delete.
type CheckoutChange struct {
	To models.CheckoutStatus // empty: the status stays
	// Created: OY's answer to the create (URL, id, email status).
	URL, PaymentLinkID, EmailStatus string
	OYMessage                       string
	Payment                         *CheckoutPayment
	Sent                            bool // the create request has left: stamp sent_at
	NextCheckAt                     *time.Time
	ClearCheck                      bool
	Source                          string
	Message                         string
	CallbackID                      *int64
	ActorEmail                      string
}

// CheckoutMove is the record change of a processed checkout callback.
type CheckoutMove struct {
	ID     int64
	Change CheckoutChange
}

func (m CheckoutMove) applyIn(tx *gorm.DB) (bool, error) { return applyCheckout(tx, m.ID, m.Change) }

// applyCheckout writes one observation under the never-backwards rule:
// a status that may not follow the current one changes nothing but the
// timeline, which says so.
func applyCheckout(tx *gorm.DB, id int64, ch CheckoutChange) (bool, error) {
	var c models.Checkout
	// The writer runs one immediate transaction at a time, so this read
	// cannot go stale before the update below.
	if err := forUpdate(tx).First(&c, id).Error; err != nil {
		return false, err
	}
	t := now()
	cols := map[string]any{"updated_at": t}
	moved := ch.To != "" && c.Status.CanMoveTo(ch.To)
	msg := ch.Message
	if moved {
		cols["status"] = ch.To
		if ch.To.Paid() && !c.Status.Paid() && c.PaidAt == nil {
			cols["paid_at"] = t
		}
		if (c.Status == models.CheckoutClosed || c.Status == models.CheckoutExpired) && ch.To.Paid() {
			msg += " Paid after it was " + c.Status.Label() + ": OY confirmed the payment, so it is recorded as paid; tell the customer or refund."
		}
	} else if ch.To != "" && ch.To != c.Status {
		msg += fmt.Sprintf(" (%s kept: %s does not follow it)", c.Status.Label(), ch.To.Label())
	}
	if ch.URL != "" {
		cols["url"] = ch.URL
	}
	if ch.PaymentLinkID != "" {
		cols["payment_link_id"] = ch.PaymentLinkID
	}
	if ch.EmailStatus != "" {
		cols["email_status"] = ch.EmailStatus
	}
	if ch.OYMessage != "" {
		cols["oy_message"] = ch.OYMessage
	}
	if p := ch.Payment; p != nil && (moved || c.Status.Paid()) {
		if p.Amount > 0 {
			cols["paid_amount"] = p.Amount
		}
		for k, v := range map[string]string{"payment_method": p.PaymentMethod, "sender_bank": p.SenderBank, "va_number": p.VANumber,
			"tx_ref_number": p.TxRefNumber, "payer_name": p.PayerName} {
			if v != "" {
				cols[k] = v
			}
		}
	}
	if ch.Sent && c.SentAt == nil {
		cols["sent_at"] = t
	}
	final := (moved && ch.To.Final()) || (!moved && c.Status.Final())
	switch {
	case ch.ClearCheck || final:
		cols["next_check_at"] = nil
	case ch.NextCheckAt != nil:
		cols["next_check_at"] = ch.NextCheckAt.UTC()
		cols["checks"] = gorm.Expr("checks + 1")
	}
	if err := tx.Model(&models.Checkout{}).Where("id = ?", id).Updates(cols).Error; err != nil {
		return false, err
	}
	to := c.Status
	if moved {
		to = ch.To
	}
	if moved || msg != "" {
		ev := &models.CheckoutEvent{CheckoutID: id, At: t, Source: ch.Source, FromStatus: c.Status, ToStatus: to, Message: msg,
			CallbackID: ch.CallbackID, ActorEmail: ch.ActorEmail}
		if err := tx.Create(ev).Error; err != nil {
			return false, err
		}
	}
	return moved, nil
}

// ApplyCheckout applies one observation in its own transaction, with an
// optional audit entry.
func (s *Store) ApplyCheckout(ctx context.Context, id int64, ch CheckoutChange, audit *models.AuditEntry) (bool, error) {
	var moved bool
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if moved, err = applyCheckout(tx, id, ch); err != nil {
			return err
		}
		if audit == nil {
			return nil
		}
		return insertAudit(tx, audit)
	})
	return moved, err
}

// ImportCheckout stores a link OY holds that the dashboard did not make
// (found by Get when its callback arrived), so the callback has a record.
func (s *Store) ImportCheckout(ctx context.Context, c *models.Checkout) error {
	t := now()
	c.CreatedAt, c.UpdatedAt, c.Source = t, t, "oy"
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(c).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrDuplicate
			}
			return err
		}
		return tx.Create(&models.CheckoutEvent{CheckoutID: c.ID, At: t, Source: "get", ToStatus: c.Status,
			Message: "made outside the dashboard; read from OY with Get when its callback arrived"}).Error
	})
}

// DueCheckoutChecks returns links whose next status check is due at at.
func (s *Store) DueCheckoutChecks(ctx context.Context, at time.Time, limit int) ([]models.Checkout, error) {
	var out []models.Checkout
	err := s.db.Read.WithContext(ctx).Where("next_check_at IS NOT NULL AND next_check_at <= ?", at.UTC()).
		Order("next_check_at").Limit(limit).Find(&out).Error
	return out, err
}

// CheckoutReceivedBetween counts and sums the links and invoices paid in [from, to).
func (s *Store) CheckoutReceivedBetween(ctx context.Context, kind models.CheckoutKind, from, to time.Time) (Totals, error) {
	var t Totals
	err := s.db.Read.WithContext(ctx).Model(&models.Checkout{}).Select("count(*) AS count, coalesce(sum(paid_amount), 0) AS sum").
		Where("paid_at >= ? AND paid_at < ? AND kind = ?", from.UTC(), to.UTC(), kind).Scan(&t).Error
	return t, err
}
