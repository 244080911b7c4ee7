package intake

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

// Two replicas on one PostgreSQL database, each with its writer and its
// running worker: every callback sent to both is stored once as the
// original and once as its duplicate, and the original is recorded once
// (one attempt), whichever workers processed it.
func TestCallbackSentToTwoReplicasIsProcessedOnce(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("two replicas share one database on PostgreSQL only (SQLite is one process's file)")
	}
	url := dbtest.URL(t, "replicas.db")
	ctx := context.Background()
	var rigs [2]*workerRig
	for i := range rigs {
		d, err := db.Open(url)
		if err != nil {
			t.Fatal(err)
		}
		st := store.New(d)
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		w := NewWorker(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
		w.idle = 20 * time.Millisecond // scan often, so both workers see every callback
		proc := &countingProcessor{seen: map[int64]int{}}
		w.Register("oy", "disbursement", proc)
		wr, err := st.NewCallbackWriter(w.Committed)
		if err != nil {
			t.Fatal(err)
		}
		w.Follow(wr)
		t.Cleanup(func() {
			wr.Close()
			d.Close()
		})
		rigs[i] = &workerRig{store: st, writer: wr, worker: w, proc: proc}
		defer rigs[i].start()()
	}
	const n = 200
	sent := make([][2]*models.Callback, n)
	var wg sync.WaitGroup
	for i := range n {
		for j, r := range rigs {
			cb := &models.Callback{ReceivedAt: time.Now().UTC(), Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement",
				Body: []byte(`{}`), Verified: true, DedupKey: fmt.Sprintf("oy:disbursement:P-%d:000", i), ReplyStatus: 200, Status: models.CallbackPending}
			sent[i][j] = cb
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.writer.Write(ctx, cb, nil); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	for _, r := range rigs {
		r.waitIdle(t)
	}
	processedTwice := 0
	for i, p := range sent {
		orig, dup := p[0], p[1]
		if orig.Duplicate {
			orig, dup = dup, orig
		}
		if orig.Duplicate || !dup.Duplicate {
			t.Fatalf("callback %d: stored as duplicate=%v and duplicate=%v, want one of each", i, p[0].Duplicate, p[1].Duplicate)
		}
		if c := rigs[0].proc.count(dup.ID) + rigs[1].proc.count(dup.ID); c != 0 {
			t.Errorf("duplicate %d processed %d times", dup.ID, c)
		}
		c := rigs[0].proc.count(orig.ID) + rigs[1].proc.count(orig.ID)
		if c == 0 {
			t.Fatalf("callback %d never processed", orig.ID)
		}
		if c > 1 {
			processedTwice++
		}
		stored, err := rigs[0].store.CallbackByID(ctx, orig.ID)
		if err != nil {
			t.Fatal(err)
		}
		attempts, err := rigs[1].store.CallbackAttempts(ctx, orig.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Status != models.CallbackNoChange || stored.Attempts != 1 || len(attempts) != 1 {
			t.Errorf("callback %d: %s after %d attempts (%d attempt rows), want no change after 1", orig.ID, stored.Status, stored.Attempts, len(attempts))
		}
	}
	t.Logf("%d of %d callbacks were processed by both replicas' workers; each was recorded once", processedTwice, n)
}
