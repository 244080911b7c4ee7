package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
)

// replicaStores opens the same PostgreSQL schema twice: two stores with
// pools of their own, as two dashboard processes would have.
func replicaStores(t *testing.T) (*Store, *Store) {
	t.Helper()
	if !dbtest.Postgres() {
		t.Skip("two replicas share one database on PostgreSQL only (SQLite is one process's file)")
	}
	url := dbtest.URL(t, "replicas.db")
	var out [2]*Store
	for i := range out {
		d, err := db.Open(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		out[i] = New(d)
		if _, err := out[i].Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return out[0], out[1]
}

// The same callback received by two replicas at once is stored twice: once
// as the original, once as its duplicate, whichever commits first; ids
// never collide although both writers run at once.
func TestSameCallbackOnTwoReplicasIsStoredOnceAsOriginal(t *testing.T) {
	a, b := replicaStores(t)
	ctx := context.Background()
	wa := writerOn(t, a)
	wb := writerOn(t, b)
	const rounds = 40
	mk := pendingOY
	pairs := make([][2]*models.Callback, rounds)
	var wg sync.WaitGroup
	for i := range rounds {
		key := fmt.Sprintf("oy:disbursement:P-%d:000", i)
		pairs[i] = [2]*models.Callback{mk(key), mk(key)}
		for j, w := range []*CallbackWriter{wa, wb} {
			wg.Add(2)
			go func() {
				defer wg.Done()
				if err := w.Write(ctx, pairs[i][j], nil); err != nil {
					t.Error(err)
				}
			}()
			// Other traffic in the same groups, so a retried group holds more than the racing callback.
			go func() {
				defer wg.Done()
				if err := w.Write(ctx, mk(fmt.Sprintf("oy:disbursement:other-%d-%d:000", i, j)), nil); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	for i, p := range pairs {
		orig, dup := p[0], p[1]
		if orig.Duplicate {
			orig, dup = dup, orig
		}
		if orig.Duplicate || !dup.Duplicate || dup.DuplicateOf == nil || *dup.DuplicateOf != orig.ID || orig.ID == dup.ID {
			t.Fatalf("round %d: %d (duplicate=%v) and %d (duplicate=%v of %v), want one original and its duplicate",
				i, p[0].ID, p[0].Duplicate, p[1].ID, p[1].Duplicate, p[1].DuplicateOf)
		}
		var originals, stored int64
		if err := a.db.Read.Raw("SELECT count(*) FILTER (WHERE NOT duplicate), count(*) FROM callbacks WHERE dedup_key = ?", orig.DedupKey).Row().Scan(&originals, &stored); err != nil {
			t.Fatal(err)
		}
		if originals != 1 || stored != 2 {
			t.Fatalf("round %d: %d originals of %d stored, want 1 of 2", i, originals, stored)
		}
		got, err := b.CallbackByID(ctx, dup.ID)
		if err != nil || got.Status != models.CallbackDuplicate {
			t.Fatalf("round %d: duplicate stored as %+v, %v", i, got, err)
		}
	}
	var n, distinct int64
	if err := a.db.Read.Raw("SELECT count(*), count(DISTINCT id) FROM callbacks").Row().Scan(&n, &distinct); err != nil || n != 4*rounds || distinct != n {
		t.Fatalf("%d callbacks stored (%d ids), want %d: %v", n, distinct, 4*rounds, err)
	}
}

// countChange is a record change that counts how often it is applied.
type countChange struct{ name string }

func (c countChange) applyIn(tx *gorm.DB) (bool, error) {
	return true, tx.Exec("UPDATE callback_counters SET value = value + 1 WHERE name = ?", c.name).Error
}

// Two replicas' workers recording the same callback at once: one result is
// recorded and its change applied; the other is dropped.
func TestSameCallbackFinishedOnTwoReplicasIsAppliedOnce(t *testing.T) {
	a, b := replicaStores(t)
	ctx := context.Background()
	wa := writerOn(t, a)
	const rounds = 30
	for i := range rounds {
		cb := pendingOY(fmt.Sprint("k", i))
		if err := wa.Write(ctx, cb, nil); err != nil {
			t.Fatal(err)
		}
		counter := fmt.Sprint("applied:", cb.ID)
		if err := a.db.Write.Exec("INSERT INTO callback_counters (name, value) VALUES (?, 0)", counter).Error; err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, s := range []*Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := ProcessResult{CallbackID: cb.ID, Attempts: cb.Attempts, Outcome: models.CallbackApplied, RecordType: "test", RecordID: "1", Change: countChange{counter}}
				if err := s.FinishCallbacks(ctx, []ProcessResult{r}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		var applied, attempts, rows int64
		if err := a.db.Read.Raw("SELECT value FROM callback_counters WHERE name = ?", counter).Row().Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if err := a.db.Read.Raw("SELECT attempts, (SELECT count(*) FROM callback_attempts WHERE callback_id = callbacks.id) FROM callbacks WHERE id = ?", cb.ID).Row().Scan(&attempts, &rows); err != nil {
			t.Fatal(err)
		}
		if applied != 1 || attempts != 1 || rows != 1 {
			t.Fatalf("round %d: change applied %d times, attempts %d, attempt rows %d; want 1, 1, 1", i, applied, attempts, rows)
		}
	}
}

// Simple results (no record change: unmatched, no change) are recorded by
// one grouped statement that claims as it moves the callbacks: two
// replicas recording the same group at once, in different orders, write
// one attempt per callback and move each once.
func TestSameGroupRecordedOnTwoReplicasIsRecordedOnce(t *testing.T) {
	a, b := replicaStores(t)
	ctx := context.Background()
	wa := writerOn(t, a)
	for round := range 10 {
		var results []ProcessResult
		for i := range 40 {
			cb := pendingOY(fmt.Sprint("g", round, "-", i))
			if err := wa.Write(ctx, cb, nil); err != nil {
				t.Fatal(err)
			}
			results = append(results, ProcessResult{CallbackID: cb.ID, Attempts: cb.Attempts, Outcome: models.CallbackUnmatched, Detail: "no such transfer"})
		}
		reversed := slices.Clone(results)
		slices.Reverse(reversed)
		var wg sync.WaitGroup
		for i, s := range []*Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rs := results
				if i == 1 {
					rs = reversed
				}
				if err := s.FinishCallbacks(ctx, rs); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		var bad int64
		if err := a.db.Read.Raw(`SELECT count(*) FROM callbacks WHERE id BETWEEN ? AND ? AND (status <> 'unmatched' OR attempts <> 1
			OR (SELECT count(*) FROM callback_attempts WHERE callback_id = callbacks.id) <> 1)`, results[0].CallbackID, results[len(results)-1].CallbackID).Row().Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if bad != 0 {
			t.Fatalf("round %d: %d callbacks not recorded exactly once", round, bad)
		}
	}
}

// pendingOY is a verified OY callback with dedup key key, waiting to be
// processed.
func pendingOY(key string) *models.Callback {
	return &models.Callback{ReceivedAt: time.Now().UTC(), Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement",
		Body: []byte(`{}`), Verified: true, DedupKey: key, ReplyStatus: 200, Status: models.CallbackPending}
}

// writerOn starts a callback writer on s, closed when the test ends.
func writerOn(t *testing.T, s *Store) *CallbackWriter {
	t.Helper()
	w, err := s.NewCallbackWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}
