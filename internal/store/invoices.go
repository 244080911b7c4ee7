package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// CheckoutFilter narrows the payment link or invoice list. Zero values do
// not filter, except Kind, which every list sets.
type CheckoutFilter struct {
	Kind     models.CheckoutKind
	Status   models.CheckoutStatus
	From, To time.Time // To exclusive
	// Q is the start of a partner_tx_id, or text inside the sender's name.
	Q           string
	RecurringID int64
	Cursor
}

func (f CheckoutFilter) apply(q *gorm.DB) *gorm.DB {
	q = q.Where("kind = ?", f.Kind)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if !f.From.IsZero() {
		q = q.Where(dialectOf(q).noIndex("created_at")+" >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where(dialectOf(q).noIndex("created_at")+" < ?", f.To.UTC())
	}
	if f.RecurringID > 0 {
		q = q.Where("recurring_id = ?", f.RecurringID)
	}
	if f.Q != "" {
		lo, hi := prefixRange(f.Q)
		// A reference prefix through the unique index, or the payer's name.
		q = q.Where("((partner_tx_id >= ? AND partner_tx_id < ?) OR sender_name "+dialectOf(q).Like+" ? ESCAPE '\\')", lo, hi, "%"+escapeLike(f.Q)+"%")
	}
	return q
}

// ListCheckouts returns one page, newest first.
func (s *Store) ListCheckouts(ctx context.Context, f CheckoutFilter, limit int) (Page[models.Checkout], error) {
	var rows []models.Checkout
	// The list never shows the attachment; leave it on disk.
	q := f.Cursor.page(f.apply(s.listDB(ctx).Model(&models.Checkout{}).Omit("attachment")), limit)
	if err := q.Find(&rows).Error; err != nil {
		return Page[models.Checkout]{}, fmt.Errorf("store: list checkouts: %w", err)
	}
	return pageAt(rows, limit, f.Cursor, func(c models.Checkout) int64 { return c.ID }), nil
}

// EachCheckout streams the filtered set, newest first, for export.
func (s *Store) EachCheckout(ctx context.Context, f CheckoutFilter, fn func(models.Checkout) error) error {
	f.Cursor = Cursor{}
	for {
		page, err := s.ListCheckouts(ctx, f, 1000)
		if err != nil {
			return err
		}
		for _, c := range page.Items {
			if err := fn(c); err != nil {
				return err
			}
		}
		if page.Next == 0 {
			return nil
		}
		f.Before = page.Next
	}
}

// CheckoutTotals counts the filtered set and sums what it asks for and
// what was paid, over at most CountCap rows.
type CheckoutTotals struct {
	Totals
	Paid int64
}

// CheckoutPageTotals is the count and sums above a list.
func (s *Store) CheckoutPageTotals(ctx context.Context, f CheckoutFilter) (CheckoutTotals, error) {
	f.Cursor = Cursor{}
	sub := f.apply(s.listDB(ctx).Model(&models.Checkout{}).Select("amount, paid_amount")).Limit(CountCap + 1)
	var t struct{ Count, Sum, Paid int64 }
	if err := s.listDB(ctx).Raw("SELECT count(*) AS count, coalesce(sum(amount), 0) AS sum, coalesce(sum(paid_amount), 0) AS paid FROM (?) AS c", sub).
		Scan(&t).Error; err != nil {
		return CheckoutTotals{}, fmt.Errorf("store: count checkouts: %w", err)
	}
	if t.Count > CountCap {
		return CheckoutTotals{Totals: Totals{Count: CountCap, Capped: true}}, nil
	}
	return CheckoutTotals{Totals: Totals{Count: t.Count, Sum: t.Sum}, Paid: t.Paid}, nil
}
