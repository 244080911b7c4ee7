package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// DisbursementFilter narrows the list. Zero values do not filter.
type DisbursementFilter struct {
	Status    models.DisbursementStatus
	Bank      string
	MakerID   int64
	MinAmount int64
	MaxAmount int64
	From, To  time.Time // To exclusive
	// Q is a reference prefix (partner_trx_id, account number, OY trx id)
	// when it looks like one (IsReference), otherwise free text in the
	// recipient's name, case-insensitive.
	Q       string
	BatchID int64
	Cursor
	minID, maxID int64
	// byAmount lets an amount range use its index (counting); a page
	// keeps to id order instead.
	byAmount bool
	// refWalk: the reference prefix is common, so rows are walked newest
	// first and checked, instead of gathering every matching id first.
	refWalk bool
}

// IsReference reports whether a search looks like the start of a
// reference rather than a name: one word with a digit in it.
func IsReference(q string) bool {
	return q != "" && !strings.ContainsAny(q, " \t") && strings.ContainsFunc(q, unicode.IsDigit)
}

func (f DisbursementFilter) apply(q *gorm.DB) *gorm.DB {
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Bank != "" {
		q = q.Where("recipient_bank = ?", f.Bank)
	}
	if f.MakerID > 0 {
		q = q.Where("maker_id = ?", f.MakerID)
	}
	// The amount index serves a count, never a page: a page walks id
	// order, so its amounts are read along whichever index the other
	// filters pick (or the primary key).
	amount := "+amount"
	if f.byAmount {
		amount = "amount"
	}
	if f.MinAmount > 0 {
		q = q.Where(amount+" >= ?", f.MinAmount)
	}
	if f.MaxAmount > 0 {
		q = q.Where(amount+" <= ?", f.MaxAmount)
	}
	q = idAndTimeRange(q, f.minID, f.maxID, "created_at", f.From, f.To)
	if f.BatchID > 0 {
		q = q.Where("batch_id = ?", f.BatchID)
	}
	if IsReference(f.Q) && f.refWalk {
		lo, hi := prefixRange(f.Q)
		q = q.Where(`((partner_trx_id >= ? AND partner_trx_id < ?) OR (recipient_account >= ? AND recipient_account < ?)
			OR (trx_id >= ? AND trx_id < ?))`, lo, hi, lo, hi, lo, hi)
	} else if IsReference(f.Q) {
		lo, hi := prefixRange(f.Q)
		q = q.Where(dialectOf(q).inIDs("id", `SELECT id FROM disbursements WHERE partner_trx_id >= ? AND partner_trx_id < ?
			UNION ALL SELECT id FROM disbursements WHERE recipient_account >= ? AND recipient_account < ?
			UNION ALL SELECT id FROM disbursements WHERE trx_id >= ? AND trx_id < ? AND trx_id <> ''`), lo, hi, lo, hi, lo, hi)
	} else if f.Q != "" {
		// SQLite's LIKE ignores ASCII case (PostgreSQL: ILIKE), and is
		// cheaper than lower() on every row a search walks.
		q = q.Where("recipient_name "+dialectOf(q).Like+" ? ESCAPE '\\'", "%"+escapeLike(f.Q)+"%")
	}
	return q
}

// resolveDisbursementDates turns the dates into an id range and picks how
// a reference prefix is matched: through its three indexes when it matches
// fewer than refWalkAt rows, otherwise by walking newest first.
func (s *Store) resolveDisbursementDates(ctx context.Context, f *DisbursementFilter) (bool, error) {
	if IsReference(f.Q) {
		lo, hi := prefixRange(f.Q)
		found, walk, err := s.prefixMatches(ctx, `SELECT 1 FROM disbursements WHERE partner_trx_id >= ? AND partner_trx_id < ?
			UNION ALL SELECT 1 FROM disbursements WHERE recipient_account >= ? AND recipient_account < ?
			UNION ALL SELECT 1 FROM disbursements WHERE trx_id >= ? AND trx_id < ? AND trx_id <> ''`, lo, hi, lo, hi, lo, hi)
		if err != nil || !found {
			return false, err
		}
		f.refWalk = walk
	}
	minID, maxID, ok, err := s.idRange(ctx, "disbursements", "created_at", f.From, f.To)
	f.minID, f.maxID = minID, maxID
	return ok, err
}

func disbursementPageQuery(tx *gorm.DB, f DisbursementFilter, limit int) *gorm.DB {
	return f.Cursor.page(f.apply(tx.Model(&models.Disbursement{})), limit)
}

// ListDisbursements returns one page, newest first.
func (s *Store) ListDisbursements(ctx context.Context, f DisbursementFilter, limit int) (Page[models.Disbursement], error) {
	ok, err := s.resolveDisbursementDates(ctx, &f)
	if err != nil || !ok {
		return Page[models.Disbursement]{}, err
	}
	var rows []models.Disbursement
	if err := disbursementPageQuery(s.listDB(ctx), f, limit).Find(&rows).Error; err != nil {
		return Page[models.Disbursement]{}, fmt.Errorf("store: list disbursements: %w", err)
	}
	return pageAt(rows, limit, f.Cursor, func(d models.Disbursement) int64 { return d.ID }), nil
}

// DisbursementListSQL is the statement ListDisbursements runs (dates
// already resolved to ids), for query-plan tests.
func (s *Store) DisbursementListSQL(ctx context.Context, f DisbursementFilter, limit int) (string, error) {
	if _, err := s.resolveDisbursementDates(ctx, &f); err != nil {
		return "", err
	}
	return s.db.Read.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var rows []models.Disbursement
		return disbursementPageQuery(tx, f, limit).Find(&rows)
	}), nil
}

// Totals counts and sums a filtered list. Capped: more than CountCap
// rows match and only "more than" is known; Sum is then left zero.
type Totals struct {
	Count, Sum int64
	Capped     bool
}

// countersServe reports whether the day counters answer f exactly.
func (f DisbursementFilter) countersServe() bool {
	return f.Q == "" && f.MinAmount == 0 && f.MaxAmount == 0 && wholeDays(f.From, f.To)
}

// disbursementCounters sums the day counter rows (migration 11) for f.
func (s *Store) disbursementCounters(ctx context.Context, f DisbursementFilter) (Totals, error) {
	q := s.listDB(ctx).Table("disbursement_day_counts").Select("coalesce(sum(n), 0) AS count, coalesce(sum(total), 0) AS sum")
	lo, hi := dayRange(f.From, f.To)
	if lo != "" {
		q = q.Where("day >= ?", lo)
	}
	if hi != "" {
		q = q.Where("day < ?", hi)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Bank != "" {
		q = q.Where("recipient_bank = ?", f.Bank)
	}
	if f.MakerID > 0 {
		q = q.Where("maker_id = ?", f.MakerID)
	}
	if f.BatchID > 0 {
		q = q.Where("batch_id = ?", f.BatchID)
	}
	var t Totals
	err := q.Scan(&t).Error
	return t, err
}

// DisbursementTotals counts and sums the whole filtered set exactly.
func (s *Store) DisbursementTotals(ctx context.Context, f DisbursementFilter) (count, sum int64, err error) {
	if f.countersServe() {
		t, err := s.disbursementCounters(ctx, f)
		return t.Count, t.Sum, err
	}
	f.Cursor = Cursor{}
	var t struct{ N, Total int64 }
	err = f.apply(s.listDB(ctx).Model(&models.Disbursement{})).Select("count(*) AS n, coalesce(sum(amount), 0) AS total").Scan(&t).Error
	return t.N, t.Total, err
}

// TextCountCap bounds the counts that read every matching row's text (a
// name search, a common reference prefix): past it a page says "1.000+".
const TextCountCap = 1000

// DisbursementPageTotals is what a list page shows: exact from the day
// counters where they serve, otherwise counted over at most CountCap
// matches (TextCountCap for a name search or a common reference prefix),
// along the amount index for an
// amount range.
func (s *Store) DisbursementPageTotals(ctx context.Context, f DisbursementFilter) (Totals, error) {
	if f.countersServe() {
		return s.disbursementCounters(ctx, f)
	}
	ok, err := s.resolveDisbursementDates(ctx, &f)
	if err != nil || !ok {
		return Totals{}, err
	}
	f.Cursor = Cursor{}
	window := CountCap
	if (f.Q != "" && !IsReference(f.Q)) || f.refWalk {
		// A name search, or a reference prefix so common that rows are
		// walked newest first: as the callback log (CallbackPageCounts).
		window = TextCountCap
	}
	f.byAmount = f.MinAmount > 0 || f.MaxAmount > 0
	sub := f.apply(s.listDB(ctx).Model(&models.Disbursement{}).Select("amount")).Limit(window + 1)
	var t Totals
	if err := s.listDB(ctx).Raw("SELECT count(*) AS count, coalesce(sum(amount), 0) AS sum FROM (?) AS d", sub).Scan(&t).Error; err != nil {
		return Totals{}, fmt.Errorf("store: count disbursements: %w", err)
	}
	if t.Count > int64(window) {
		return Totals{Count: int64(window), Capped: true}, nil
	}
	return t, nil
}

// DisbursementCountSQL is the statement DisbursementPageTotals runs where
// the counters do not serve, for query-plan tests.
func (s *Store) DisbursementCountSQL(f DisbursementFilter) string {
	f.byAmount = f.MinAmount > 0 || f.MaxAmount > 0
	return s.db.Read.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var amounts []int64
		return f.apply(tx.Model(&models.Disbursement{}).Select("amount")).Limit(CountCap + 1).Find(&amounts)
	})
}

// EachDisbursement streams the filtered set, newest first, for export.
func (s *Store) EachDisbursement(ctx context.Context, f DisbursementFilter, fn func(models.Disbursement) error) error {
	f.Cursor = Cursor{}
	for {
		page, err := s.ListDisbursements(ctx, f, 1000)
		if err != nil {
			return err
		}
		for _, d := range page.Items {
			if err := fn(d); err != nil {
				return err
			}
		}
		if page.Next == 0 {
			return nil
		}
		f.Before = page.Next
	}
}
