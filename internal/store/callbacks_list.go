package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// CallbackFilter narrows the callback log. Zero values do not filter.
type CallbackFilter struct {
	Provider  string
	Kind      string
	Verified  *bool
	Status    models.CallbackStatus
	Duplicate bool // only duplicates
	// Ref matches the start of any reference a callback carries (trx id,
	// bill number, VA number, phone), through the callback_refs index.
	Ref      string
	From, To time.Time // To exclusive
	Cursor
	maxID int64
	minID int64
	// refWalk: the prefix is common, so rows are walked newest first and
	// their refs read, instead of gathering every matching id first.
	refWalk bool
}

// refWalkAt is how many references a prefix may match before the log is
// walked instead: gathering ids costs what they number, walking stops at
// a page.
const refWalkAt = 2000

func (f CallbackFilter) apply(q *gorm.DB) *gorm.DB {
	d := dialectOf(q)
	// A kind belongs to one provider, so with a kind the provider adds
	// nothing and each filter walks its own (column, id) index.
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	} else if f.Provider != "" {
		q = q.Where("provider = ?", f.Provider)
	}
	if f.Verified != nil {
		if *f.Verified {
			q = q.Where(d.is("verified", true))
		} else {
			q = q.Where(d.is("verified", false))
		}
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Duplicate {
		q = q.Where(d.is("duplicate", true))
	}
	if f.Ref != "" && f.refWalk {
		// refs holds the same references as callback_refs, space-separated.
		q = q.Where(d.contains("' ' || refs", "?"), " "+f.Ref)
	} else if f.Ref != "" {
		lo, hi := prefixRange(f.Ref)
		q = q.Where(d.inIDs("id", "SELECT callback_id FROM callback_refs WHERE ref >= ? AND ref < ?"), lo, hi)
	}
	// Dates become an id range: received_at grows with id, and the id range
	// keeps every filter on the primary key order (no sort of a big set).
	q = idAndTimeRange(q, f.minID, f.maxID, "received_at", f.From, f.To)
	return q
}

// dateSlack bounds how far commit order (id) may stray from arrival order
// (received_at): ids are given out per group commit, so a few thousand
// rows of slack covers any group.
const dateSlack = 4096

// boundID finds the smallest id among the first rows received at or after t,
// walking the received_at index from t onwards only.
const boundID = `SELECT min(id) FROM (SELECT id FROM callbacks WHERE received_at >= ? ORDER BY received_at LIMIT 4096)`

// resolveDates turns From/To into id bounds through the received_at index,
// so a date filter becomes a range of the primary key; the exact received_at
// conditions stay in the query. It reports false when nothing was received
// in the range.
//
// It also picks how a reference prefix is matched: through callback_refs
// when it matches fewer than refWalkAt references, otherwise by walking
// the log newest first (a clerk who types only "8808" matches every VA).
func (s *Store) resolveDates(ctx context.Context, f *CallbackFilter) (bool, error) {
	if f.Ref != "" {
		lo, hi := prefixRange(f.Ref)
		found, walk, err := s.prefixMatches(ctx, `SELECT 1 FROM callback_refs WHERE ref >= ? AND ref < ?`, lo, hi)
		if err != nil || !found {
			return false, err
		}
		f.refWalk = walk
	}
	minID, maxID, ok, err := s.idRange(ctx, "callbacks", "received_at", f.From, f.To)
	f.minID, f.maxID = minID, maxID
	return ok, err
}

// callbackListColumns leaves out the raw body and headers, which only the
// detail page shows.
const callbackListColumns = "id, received_at, provider, kind, method, path, source_ip, truncated_from, verified, verify_reason, dedup_key, duplicate, duplicate_of, refs, reply_status, status, attempts, record_type, record_id, processed_at"

func (s *Store) callbackPageQuery(tx *gorm.DB, f CallbackFilter, limit int) *gorm.DB {
	return f.Cursor.page(f.apply(tx.Model(&models.Callback{}).Select(callbackListColumns)), limit)
}

// ListCallbacks returns one page of the log, newest first.
func (s *Store) ListCallbacks(ctx context.Context, f CallbackFilter, limit int) (Page[models.Callback], error) {
	ok, err := s.resolveDates(ctx, &f)
	if err != nil || !ok {
		return Page[models.Callback]{}, err
	}
	var rows []models.Callback
	if err := s.callbackPageQuery(s.listDB(ctx), f, limit).Find(&rows).Error; err != nil {
		return Page[models.Callback]{}, fmt.Errorf("store: list callbacks: %w", err)
	}
	return pageAt(rows, limit, f.Cursor, func(c models.Callback) int64 { return c.ID }), nil
}

// CallbackListSQL is the statement ListCallbacks runs, for query-plan tests.
func (s *Store) CallbackListSQL(f CallbackFilter, limit int) string {
	return s.db.Read.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var rows []models.Callback
		return s.callbackPageQuery(tx, f, limit).Find(&rows)
	})
}

// EachCallback streams every matching callback, newest first, for export.
func (s *Store) EachCallback(ctx context.Context, f CallbackFilter, fn func(models.Callback) error) error {
	ok, err := s.resolveDates(ctx, &f)
	if err != nil || !ok {
		return err
	}
	f.Cursor = Cursor{}
	for {
		var rows []models.Callback
		if err := s.callbackPageQuery(s.listDB(ctx), f, 999).Find(&rows).Error; err != nil {
			return fmt.Errorf("store: export callbacks: %w", err)
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < 1000 {
			return nil
		}
		f.Before = rows[len(rows)-1].ID
	}
}

// CallbackStatusCounts counts the matching callbacks per processing status,
// whatever the status filter. Without a reference search and with whole
// WIB days it sums the day counters the triggers keep (migration 10), so
// the cost does not grow with the log; pending ones are counted along
// their index, up to window. A reference search counts the
// newest window matches at most; capped reports that the window was full.
func (s *Store) CallbackStatusCounts(ctx context.Context, f CallbackFilter, window int) (counts map[models.CallbackStatus]int64, capped bool, err error) {
	counts = map[models.CallbackStatus]int64{}
	f.Status, f.Cursor = "", Cursor{}
	if f.Ref == "" && wholeDays(f.From, f.To) {
		q := s.listDB(ctx).Table("callback_day_counts").Select("status, sum(n) AS n")
		lo, hi := dayRange(f.From, f.To)
		if lo != "" {
			q = q.Where("day >= ?", lo)
		}
		if hi != "" {
			q = q.Where("day < ?", hi)
		}
		if f.Kind != "" {
			q = q.Where("kind = ?", f.Kind)
		} else if f.Provider != "" {
			q = q.Where("provider = ?", f.Provider)
		}
		if f.Verified != nil {
			q = q.Where("verified = ?", *f.Verified)
		}
		if f.Duplicate {
			q = q.Where(s.d.is("duplicate", true))
		}
		var rows []struct {
			Status models.CallbackStatus
			N      int64
		}
		if err := q.Group("status").Scan(&rows).Error; err != nil {
			return nil, false, fmt.Errorf("store: count callbacks: %w", err)
		}
		for _, r := range rows {
			if r.N != 0 {
				counts[r.Status] = r.N
			}
		}
		// The counters leave pending out (migration 10); the queue is
		// counted along the (status, id) index, up to the window.
		pending := f
		pending.Status = models.CallbackPending
		ok, err := s.resolveDates(ctx, &pending)
		if err != nil || !ok {
			return counts, false, err
		}
		var n int64
		if err := s.listDB(ctx).Raw("SELECT count(*) FROM (?) AS p", s.pendingCountQuery(ctx, pending, window)).Scan(&n).Error; err != nil {
			return nil, false, fmt.Errorf("store: count pending callbacks: %w", err)
		}
		if n > 0 {
			counts[models.CallbackPending] = n
		}
		return counts, n >= int64(window), nil
	}
	ok, err := s.resolveDates(ctx, &f)
	if err != nil || !ok {
		return counts, false, err
	}
	sub := f.apply(s.listDB(ctx).Model(&models.Callback{}).Select("status")).Order("id DESC").Limit(window)
	var rows []struct {
		Status models.CallbackStatus
		N      int64
	}
	if err := s.listDB(ctx).Raw("SELECT status, count(*) AS n FROM (?) AS c GROUP BY status", sub).Scan(&rows).Error; err != nil {
		return nil, false, fmt.Errorf("store: count callbacks: %w", err)
	}
	var total int64
	for _, r := range rows {
		counts[r.Status] = r.N
		total += r.N
	}
	return counts, total >= int64(window), nil
}

// CallbackPageCounts is what the log's status chips show: the counts of
// CallbackStatusCounts over a window of CountCap, or of TextCountCap for a
// common reference prefix (each row's references are read). cappedAt is
// the window when more match, otherwise zero.
func (s *Store) CallbackPageCounts(ctx context.Context, f CallbackFilter) (counts map[models.CallbackStatus]int64, cappedAt int64, err error) {
	window := CountCap
	if f.Ref != "" {
		probe := f
		if _, err := s.resolveDates(ctx, &probe); err != nil {
			return nil, 0, err
		}
		if probe.refWalk {
			window = TextCountCap
		}
	}
	counts, capped, err := s.CallbackStatusCounts(ctx, f, window)
	if capped {
		cappedAt = int64(window)
	}
	return counts, cappedAt, err
}

// pendingCountQuery selects up to window pending callbacks matching f, along
// the (status, id) index whatever the other filters (a kind or provider
// index would walk every row of that kind).
func (s *Store) pendingCountQuery(ctx context.Context, f CallbackFilter, window int) *gorm.DB {
	f.Status = models.CallbackPending
	return f.apply(s.listDB(ctx).Table(s.d.indexedBy("callbacks", "callbacks_status")).Select("id")).Limit(window)
}

// PendingCountSQL is the statement that counts the queue, for plan tests.
func (s *Store) PendingCountSQL(f CallbackFilter, window int) string {
	return s.db.Read.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var ids []int64
		f.Status = models.CallbackPending
		return f.apply(tx.Table(s.d.indexedBy("callbacks", "callbacks_status")).Select("id")).Limit(window).Find(&ids)
	})
}
