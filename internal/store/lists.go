package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"backoffice/internal/wib"
)

// Cursor picks one page of a newest-first list: the rows older than
// Before, or the rows newer than After. Zero values pick the newest page.
type Cursor struct {
	Before, After int64
}

// CountCap bounds a count the day counters cannot answer (a prefix or
// free-text search, an amount range): past it, a page says "10,000+".
const CountCap = 10000

// page narrows q to the rows of one page plus one, in the walk order the
// cursor needs: newest first, or oldest first after a cursor (reversed
// again by pageAt), so every walk runs along an (x, id) index.
func (c Cursor) page(q *gorm.DB, limit int) *gorm.DB {
	if c.After > 0 {
		return q.Where("id > ?", c.After).Order("id ASC").Limit(limit + 1)
	}
	if c.Before > 0 {
		q = q.Where("id < ?", c.Before)
	}
	return q.Order("id DESC").Limit(limit + 1)
}

// pageAt trims the extra row and sets the cursors of the pages around it.
func pageAt[T any](rows []T, limit int, c Cursor, id func(T) int64) Page[T] {
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	var p Page[T]
	if c.After > 0 {
		slices.Reverse(rows)
		if more && len(rows) > 0 {
			p.Newer = id(rows[0])
		}
		if len(rows) > 0 {
			p.Next = id(rows[len(rows)-1])
		} else {
			p.Next = c.After + 1
		}
		p.Items = rows
		return p
	}
	p.Items = rows
	if more {
		p.Next = id(rows[len(rows)-1])
	}
	if c.Before > 0 {
		if len(rows) > 0 {
			p.Newer = id(rows[0])
		} else {
			p.Newer = c.Before - 1
		}
	}
	return p
}

// prefixRange is the half-open range of strings that start with p, so a
// prefix search walks an ordinary index (no LIKE, no collation tricks).
// Both databases compare text byte by byte (SQLite's BINARY, PostgreSQL's
// C collation, which Migrate insists on); the bound is the largest code
// point rather than a 0xff byte, which PostgreSQL refuses as text.
func prefixRange(p string) (lo, hi string) { return p, p + string(utf8.MaxRune) }

// dayRange turns [from, to) instants into the WIB day keys of the counter
// tables, from inclusive and to exclusive; empty strings leave a side open.
func dayRange(from, to time.Time) (lo, hi string) {
	if !from.IsZero() {
		lo = from.In(wib.Zone).Format(time.DateOnly)
	}
	if !to.IsZero() {
		hi = to.In(wib.Zone).Format(time.DateOnly)
	}
	return lo, hi
}

// wholeDays reports whether both bounds fall on WIB midnight, so day
// counter rows cover the range exactly.
func wholeDays(ts ...time.Time) bool {
	for _, t := range ts {
		if !t.IsZero() && !wib.StartOfDay(t).Equal(t) {
			return false
		}
	}
	return true
}

// idBound is the smallest id among the first rows stamped at or after t,
// walking the table's time index from t only. Ids are handed out in time
// order (give or take a group commit), so a date range becomes a range of
// the primary key and every filter keeps its own index order.
func (s *Store) idBound(ctx context.Context, table, column string, t time.Time) (*int64, error) {
	memo, _ := ctx.Value(listMemoKey{}).(*listMemo)
	key := "bound " + table + "." + column + " " + t.UTC().Format(time.RFC3339Nano)
	if n, ok := memo.get(key); ok {
		if n < 0 {
			return nil, nil // nothing stamped at or after t
		}
		return &n, nil
	}
	var id *int64
	q := "SELECT min(id) FROM (SELECT id FROM " + table + " WHERE " + column + " >= ? ORDER BY " + column + " LIMIT 4096) AS b"
	err := s.listDB(ctx).Raw(q, t.UTC()).Scan(&id).Error
	if err == nil {
		if id == nil {
			memo.put(key, -1)
		} else {
			memo.put(key, *id)
		}
	}
	return id, err
}

// idRange resolves [from, to) into primary-key bounds on table (zero:
// open). ok is false when nothing was stamped in the range.
func (s *Store) idRange(ctx context.Context, table, column string, from, to time.Time) (minID, maxID int64, ok bool, err error) {
	if !from.IsZero() {
		id, err := s.idBound(ctx, table, column, from)
		if err != nil || id == nil {
			return 0, 0, false, err
		}
		minID = *id
	}
	if !to.IsZero() {
		id, err := s.idBound(ctx, table, column, to)
		if err != nil {
			return 0, 0, false, err
		}
		if id != nil {
			maxID = *id + dateSlack
		}
	}
	return minID, maxID, true, nil
}

// idAndTimeRange keeps a list's rows inside an id range (its dates resolved
// to ids, so every filter walks the primary key order) and, exactly, inside
// [from, to) of its time column. The unary + keeps SQLite from choosing the
// time column's index over the primary key.
func idAndTimeRange(q *gorm.DB, minID, maxID int64, timeCol string, from, to time.Time) *gorm.DB {
	if minID > 0 {
		q = q.Where("id >= ?", minID)
	}
	if maxID > 0 {
		q = q.Where("id < ?", maxID)
	}
	if !from.IsZero() {
		q = q.Where(dialectOf(q).noIndex(timeCol)+" >= ?", from.UTC())
	}
	if !to.IsZero() {
		q = q.Where(dialectOf(q).noIndex(timeCol)+" < ?", to.UTC())
	}
	return q
}

// prefixMatches counts, up to refWalkAt, the rows a reference prefix matches
// (matchSQL selects one row per match). found is false when none match;
// walk is true when so many match that walking the list newest first is
// cheaper than collecting every matching id.
func (s *Store) prefixMatches(ctx context.Context, matchSQL string, args ...any) (found, walk bool, err error) {
	memo, _ := ctx.Value(listMemoKey{}).(*listMemo)
	key := matchSQL + fmt.Sprintf("%q", args)
	if n, ok := memo.get(key); ok {
		return n > 0, n >= refWalkAt, nil
	}
	var n int64
	err = s.listDB(ctx).Raw("SELECT count(*) FROM ("+matchSQL+" LIMIT ?) AS m", append(args, refWalkAt)...).Scan(&n).Error
	if err == nil {
		memo.put(key, n)
	}
	return n > 0, n >= refWalkAt, err
}

// WithListMemo returns ctx carrying a memo for the look-ups that one list
// page repeats: its rows, its counts and its totals each ask how common a
// reference prefix is and which ids a date range starts and ends at (a
// 7-day callback log asked the second eight times), and the answers do not
// change within a request. The web layer gives every GET one; without it
// nothing is remembered.
func WithListMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, listMemoKey{}, &listMemo{})
}

type listMemoKey struct{}

type listMemo struct {
	mu sync.Mutex
	n  map[string]int64
}

func (m *listMemo) get(key string) (int64, bool) {
	if m == nil {
		return 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.n[key]
	return n, ok
}

func (m *listMemo) put(key string, n int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == nil {
		m.n = map[string]int64{}
	}
	m.n[key] = n
}
