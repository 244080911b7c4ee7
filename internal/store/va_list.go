package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// VAFilter narrows the VA list. Zero values do not filter.
type VAFilter struct {
	Status      models.VAStatus
	Bank        string
	Open        string // "open", "closed" or ""
	SingleUse   string // "yes", "no" or ""
	MinAmount   int64
	MaxAmount   int64
	MinDetected int64
	MaxDetected int64
	From, To    time.Time // created, To exclusive
	ExpFrom     time.Time // expiry, ExpTo exclusive
	ExpTo       time.Time
	// Q is the start of a VA number or a partner_user_id (spaces ignored),
	// or text inside the display name.
	Q string
	Cursor
}

// NormaliseVANumber drops the spaces and dashes people type inside a VA
// number ("9002 0000 0001").
func NormaliseVANumber(q string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, q)
}

func (f VAFilter) apply(q *gorm.DB) *gorm.DB {
	d := dialectOf(q)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Bank != "" {
		q = q.Where("bank_code = ?", f.Bank)
	}
	switch f.Open {
	case "open":
		q = q.Where(d.noIndex("is_open")+" = ?", true)
	case "closed":
		q = q.Where(d.noIndex("is_open")+" = ?", false)
	}
	switch f.SingleUse {
	case "yes":
		q = q.Where(d.noIndex("is_single_use")+" = ?", true)
	case "no":
		q = q.Where(d.noIndex("is_single_use")+" = ?", false)
	}
	if f.MinAmount > 0 {
		q = q.Where(d.noIndex("amount")+" >= ?", f.MinAmount)
	}
	if f.MaxAmount > 0 {
		q = q.Where(d.noIndex("amount")+" <= ?", f.MaxAmount)
	}
	if f.MinDetected > 0 {
		q = q.Where(d.noIndex("amount_detected")+" >= ?", f.MinDetected)
	}
	if f.MaxDetected > 0 {
		q = q.Where(d.noIndex("amount_detected")+" <= ?", f.MaxDetected)
	}
	if !f.From.IsZero() {
		q = q.Where(d.noIndex("created_at")+" >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where(d.noIndex("created_at")+" < ?", f.To.UTC())
	}
	if !f.ExpFrom.IsZero() {
		q = q.Where(d.noIndex("expires_at")+" >= ?", f.ExpFrom.UTC())
	}
	if !f.ExpTo.IsZero() {
		q = q.Where(d.noIndex("expires_at")+" < ?", f.ExpTo.UTC())
	}
	if f.Q != "" {
		ref := NormaliseVANumber(f.Q)
		lo, hi := prefixRange(ref)
		if IsReference(ref) {
			q = q.Where(`id IN (SELECT id FROM virtual_accounts WHERE va_number >= ? AND va_number < ?
				UNION ALL SELECT id FROM virtual_accounts WHERE partner_user_id >= ? AND partner_user_id < ?)`, lo, hi, lo, hi)
		} else {
			q = q.Where("((partner_user_id >= ? AND partner_user_id < ?) OR username_display "+d.Like+" ? ESCAPE '\\')", lo, hi, "%"+escapeLike(f.Q)+"%")
		}
	}
	return q
}

// ListVAs returns one page of VAs, newest first.
func (s *Store) ListVAs(ctx context.Context, f VAFilter, limit int) (Page[models.VirtualAccount], error) {
	var rows []models.VirtualAccount
	if err := f.Cursor.page(f.apply(s.listDB(ctx).Model(&models.VirtualAccount{})), limit).Find(&rows).Error; err != nil {
		return Page[models.VirtualAccount]{}, fmt.Errorf("store: list virtual accounts: %w", err)
	}
	return pageAt(rows, limit, f.Cursor, func(v models.VirtualAccount) int64 { return v.ID }), nil
}

// VATotals counts the filtered VAs and sums their amount detected, over at
// most CountCap rows (the VA table is small next to the callback log).
func (s *Store) VATotals(ctx context.Context, f VAFilter) (Totals, error) {
	f.Cursor = Cursor{}
	sub := f.apply(s.listDB(ctx).Model(&models.VirtualAccount{}).Select("amount_detected")).Limit(CountCap + 1)
	var t Totals
	if err := s.listDB(ctx).Raw("SELECT count(*) AS count, coalesce(sum(amount_detected), 0) AS sum FROM (?) AS v", sub).Scan(&t).Error; err != nil {
		return Totals{}, fmt.Errorf("store: count virtual accounts: %w", err)
	}
	if t.Count > CountCap {
		return Totals{Count: CountCap, Capped: true}, nil
	}
	return t, nil
}

// EachVA streams the filtered VAs, newest first, for export.
func (s *Store) EachVA(ctx context.Context, f VAFilter, fn func(models.VirtualAccount) error) error {
	f.Cursor = Cursor{}
	for {
		page, err := s.ListVAs(ctx, f, 1000)
		if err != nil {
			return err
		}
		for _, v := range page.Items {
			if err := fn(v); err != nil {
				return err
			}
		}
		if page.Next == 0 {
			return nil
		}
		f.Before = page.Next
	}
}
