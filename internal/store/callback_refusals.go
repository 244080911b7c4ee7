package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/wib"
)

// refusalKey is one row of callback_refusals: a WIB day, what happened to
// the refused requests, and the endpoint.
type refusalKey struct {
	day, what, provider, kind string
}

// refusalCounts holds refusal counts in memory between flushes, so the
// callback path counts a flood of refused requests with a map increment
// instead of a database write.
type refusalCounts struct {
	mu      sync.Mutex
	pending map[refusalKey]int64
	// flushing is held while a flush writes: readers take it too, so they
	// never see a count both in pending and on disk, or in neither.
	flushing sync.RWMutex
}

// CountRefusal counts one refused request that was not stored whole (too
// large, kept as a sample, or not stored at all), for the WIB day of at.
// It only touches memory; the callback writer flushes the counts every
// second and when it closes.
func (s *Store) CountRefusal(what models.CallbackRefusal, provider, kind string, at time.Time) {
	k := refusalKey{day: at.In(wib.Zone).Format(time.DateOnly), what: string(what), provider: provider, kind: kind}
	c := &s.refusals
	c.mu.Lock()
	if c.pending == nil {
		c.pending = map[refusalKey]int64{}
	}
	c.pending[k]++
	c.mu.Unlock()
}

// RefusalCountsFilter narrows the refusal counts: empty fields and zero
// times leave that side open.
type RefusalCountsFilter struct {
	Provider, Kind string
	From, To       time.Time // [From, To), counted by WIB day
}

func (f RefusalCountsFilter) matches(k refusalKey) bool {
	lo, hi := dayRange(f.From, f.To)
	return (f.Provider == "" || k.provider == f.Provider) && (f.Kind == "" || k.kind == f.Kind) &&
		(lo == "" || k.day >= lo) && (hi == "" || k.day < hi)
}

// RefusalCounts adds up refused requests not stored whole, by what
// happened to them, counts not yet flushed included.
func (s *Store) RefusalCounts(ctx context.Context, f RefusalCountsFilter) (map[models.CallbackRefusal]int64, error) {
	c := &s.refusals
	c.flushing.RLock()
	defer c.flushing.RUnlock()
	q := s.db.Read.WithContext(ctx).Table("callback_refusals").Select("what, sum(n) AS n").Group("what")
	lo, hi := dayRange(f.From, f.To)
	if lo != "" {
		q = q.Where("day >= ?", lo)
	}
	if hi != "" {
		q = q.Where("day < ?", hi)
	}
	if f.Provider != "" {
		q = q.Where("provider = ?", f.Provider)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	var rows []struct {
		What string
		N    int64
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: read refusal counts: %w", err)
	}
	out := map[models.CallbackRefusal]int64{}
	for _, r := range rows {
		out[models.CallbackRefusal(r.What)] += r.N
	}
	c.mu.Lock()
	for k, n := range c.pending {
		if f.matches(k) {
			out[models.CallbackRefusal(k.what)] += n
		}
	}
	c.mu.Unlock()
	return out, nil
}

// FlushRefusalCounts writes the counts gathered in memory, in one
// transaction; on failure they stay in memory for the next flush.
func (s *Store) FlushRefusalCounts(ctx context.Context) error {
	c := &s.refusals
	c.mu.Lock()
	empty := len(c.pending) == 0
	c.mu.Unlock()
	if empty {
		return nil
	}
	c.flushing.Lock()
	defer c.flushing.Unlock()
	c.mu.Lock()
	batch := c.pending
	c.pending = nil
	c.mu.Unlock()
	tx, err := s.db.WriteSQL().BeginTx(ctx, nil)
	if err == nil {
		for k, n := range batch {
			if _, err = tx.ExecContext(ctx, s.d.sql(`INSERT INTO callback_refusals (day, what, provider, kind, n) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (day, what, provider, kind) DO UPDATE SET n = callback_refusals.n + excluded.n`), k.day, k.what, k.provider, k.kind, n); err != nil {
				break
			}
		}
		if err == nil {
			err = tx.Commit()
		} else {
			_ = tx.Rollback()
		}
	}
	if err != nil {
		c.mu.Lock()
		if c.pending == nil {
			c.pending = map[refusalKey]int64{}
		}
		for k, n := range batch {
			c.pending[k] += n
		}
		c.mu.Unlock()
		return fmt.Errorf("store: write refusal counts: %w", err)
	}
	return nil
}
