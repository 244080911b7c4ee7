package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// TopupFilter narrows the top-up list. Zero values do not filter.
type TopupFilter struct {
	Status   models.TopupStatus
	Product  string
	From, To time.Time // To exclusive
	// Q is the start of a reference: our refNumber, Ayopop's transaction
	// id, or the phone number as stored (628…); PhoneQ is Q rewritten to
	// the stored form when it was typed as 08….
	Q, PhoneQ string
	Cursor
	minID, maxID int64
}

func (f TopupFilter) apply(q *gorm.DB) *gorm.DB {
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Product != "" {
		q = q.Where("product_code = ?", f.Product)
	}
	if f.minID > 0 {
		q = q.Where("id >= ?", f.minID)
	}
	if f.maxID > 0 {
		q = q.Where("id < ?", f.maxID)
	}
	if !f.From.IsZero() {
		q = q.Where(dialectOf(q).noIndex("created_at")+" >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where(dialectOf(q).noIndex("created_at")+" < ?", f.To.UTC())
	}
	if f.Q != "" {
		lo, hi := prefixRange(f.Q)
		plo, phi := lo, hi
		if f.PhoneQ != "" {
			plo, phi = prefixRange(f.PhoneQ)
		}
		q = q.Where(`id IN (SELECT id FROM topups WHERE ref_number >= ? AND ref_number < ?
			UNION ALL SELECT id FROM topups WHERE phone >= ? AND phone < ?
			UNION ALL SELECT id FROM topups WHERE transaction_id >= ? AND transaction_id < ? AND transaction_id <> '')`, lo, hi, plo, phi, lo, hi)
	}
	return q
}

func (s *Store) resolveTopupDates(ctx context.Context, f *TopupFilter) (bool, error) {
	minID, maxID, ok, err := s.idRange(ctx, "topups", "created_at", f.From, f.To)
	f.minID, f.maxID = minID, maxID
	return ok, err
}

// ListTopups returns one page, newest first.
func (s *Store) ListTopups(ctx context.Context, f TopupFilter, limit int) (Page[models.Topup], error) {
	ok, err := s.resolveTopupDates(ctx, &f)
	if err != nil || !ok {
		return Page[models.Topup]{}, err
	}
	var rows []models.Topup
	if err := f.Cursor.page(f.apply(s.listDB(ctx).Model(&models.Topup{})), limit).Find(&rows).Error; err != nil {
		return Page[models.Topup]{}, fmt.Errorf("store: list top-ups: %w", err)
	}
	return pageAt(rows, limit, f.Cursor, func(t models.Topup) int64 { return t.ID }), nil
}

// EachTopup streams the filtered set, newest first, for export.
func (s *Store) EachTopup(ctx context.Context, f TopupFilter, fn func(models.Topup) error) error {
	f.Cursor = Cursor{}
	for {
		page, err := s.ListTopups(ctx, f, 1000)
		if err != nil {
			return err
		}
		for _, t := range page.Items {
			if err := fn(t); err != nil {
				return err
			}
		}
		if page.Next == 0 {
			return nil
		}
		f.Before = page.Next
	}
}

// TopupTotals is the count, amounts and fees of a filtered list; Capped
// when more than CountCap rows match (sums are then left zero).
type TopupTotals struct {
	Count, Amount, Fees int64
	Capped              bool
}

// TopupPageTotals counts and sums at most CountCap matches, newest first.
func (s *Store) TopupPageTotals(ctx context.Context, f TopupFilter) (TopupTotals, error) {
	ok, err := s.resolveTopupDates(ctx, &f)
	if err != nil || !ok {
		return TopupTotals{}, err
	}
	f.Cursor = Cursor{}
	sub := f.apply(s.listDB(ctx).Model(&models.Topup{}).Select("amount, admin_fee")).Order("id DESC").Limit(CountCap + 1)
	var t TopupTotals
	if err := s.listDB(ctx).Raw("SELECT count(*) AS count, coalesce(sum(amount), 0) AS amount, coalesce(sum(admin_fee), 0) AS fees FROM (?) AS m", sub).Scan(&t).Error; err != nil {
		return TopupTotals{}, fmt.Errorf("store: count top-ups: %w", err)
	}
	if t.Count > CountCap {
		return TopupTotals{Count: CountCap, Capped: true}, nil
	}
	return t, nil
}

// TopupListSQL is the statement ListTopups runs (dates already resolved
// to ids), for query-plan tests.
func (s *Store) TopupListSQL(ctx context.Context, f TopupFilter, limit int) (string, error) {
	if _, err := s.resolveTopupDates(ctx, &f); err != nil {
		return "", err
	}
	return s.db.Read.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var rows []models.Topup
		return f.Cursor.page(f.apply(tx.Model(&models.Topup{})), limit).Find(&rows)
	}), nil
}
