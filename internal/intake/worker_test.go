package intake

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

// countingProcessor records how often each callback was processed.
type countingProcessor struct {
	mu    sync.Mutex
	seen  map[int64]int
	delay time.Duration
}

func (p *countingProcessor) Process(_ context.Context, cb *models.Callback) store.ProcessResult {
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	p.mu.Lock()
	p.seen[cb.ID]++
	p.mu.Unlock()
	return store.ProcessResult{Outcome: models.CallbackNoChange, Detail: "counted"}
}

func (p *countingProcessor) count(id int64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[id]
}

type workerRig struct {
	store  *store.Store
	writer *store.CallbackWriter
	worker *Worker
	proc   *countingProcessor
}

func newWorkerRig(t *testing.T, feedCap int, delay time.Duration) *workerRig {
	t.Helper()
	d := dbtest.Open(t, "worker.db")
	st := store.New(d)
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := NewWorker(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.feed = make(chan []*models.Callback, feedCap)
	w.laneCap = feedCap
	proc := &countingProcessor{seen: map[int64]int{}, delay: delay}
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
	return &workerRig{store: st, writer: wr, worker: w, proc: proc}
}

// send stores n callbacks from many goroutines: every seventh repeats an
// earlier dedup key, every eleventh failed verification.
func (r *workerRig) send(t *testing.T, from, n int) []*models.Callback {
	t.Helper()
	out := make([]*models.Callback, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			k := from + i
			key := fmt.Sprintf("oy:disbursement:P-%d:000", k)
			if k%7 == 0 && k > 0 {
				key = fmt.Sprintf("oy:disbursement:P-%d:000", k-1)
			}
			cb := &models.Callback{ReceivedAt: time.Now().UTC(), Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement",
				Body: []byte(`{}`), Verified: k%11 != 0, DedupKey: key, ReplyStatus: 200, Status: models.CallbackPending}
			if !cb.Verified {
				cb.Status = models.CallbackRejected
			}
			if err := r.writer.Write(context.Background(), cb, nil); err != nil {
				t.Error(err)
			}
			out[i] = cb
		}()
	}
	wg.Wait()
	return out
}

// start runs the worker until the returned stop is called; stop waits for it to return.
func (r *workerRig) start() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.worker.Run(ctx) }()
	return func() { cancel(); <-done }
}

// waitIdle waits until nothing is pending in the database.
func (r *workerRig) waitIdle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		due, err := r.store.DueCallbacks(context.Background(), 1, r.writer.LastID())
		if err != nil {
			t.Fatal(err)
		}
		if len(due) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("callbacks still pending after 30 s")
}

func (r *workerRig) checkOnce(t *testing.T, cbs []*models.Callback, want int) {
	t.Helper()
	processed := 0
	for _, cb := range cbs {
		got := r.proc.count(cb.ID)
		switch {
		case !cb.Verified || cb.Duplicate:
			if got != 0 {
				t.Errorf("callback %d (verified=%v duplicate=%v) processed %d times", cb.ID, cb.Verified, cb.Duplicate, got)
			}
		case got != want:
			t.Errorf("callback %d processed %d times, want %d", cb.ID, got, want)
		default:
			processed++
			stored, err := r.store.CallbackByID(context.Background(), cb.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Status != models.CallbackNoChange || stored.Attempts != want {
				t.Errorf("callback %d stored as %s after %d attempts", cb.ID, stored.Status, stored.Attempts)
			}
		}
	}
	if processed == 0 {
		t.Fatal("nothing was processed")
	}
}

func TestWorkerProcessesEveryCommittedCallbackOnce(t *testing.T) {
	r := newWorkerRig(t, feedGroups, 0)
	// Some callbacks are stored before the worker runs: its first scan takes them.
	before := r.send(t, 0, 300)
	stop := r.start()
	after := r.send(t, 300, 3000)
	r.waitIdle(t)
	stop()
	r.checkOnce(t, append(before, after...), 1)
	if mem, scanned := r.worker.Processed(); mem == 0 || scanned == 0 {
		t.Errorf("handed over %d, scanned %d: both paths should have run", mem, scanned)
	}
}

// With room for one group in memory (the hand-over and the lane) and a
// slow processor, most groups are dropped: the worker must find them in
// the database, and still process each callback once.
func TestWorkerFallsBackToTheDatabaseWhenGroupsAreDropped(t *testing.T) {
	r := newWorkerRig(t, 1, 200*time.Microsecond)
	stop := r.start()
	cbs := r.send(t, 0, 2000)
	r.waitIdle(t)
	stop()
	r.checkOnce(t, cbs, 1)
	if _, scanned := r.worker.Processed(); scanned == 0 {
		t.Error("no group was dropped: the test did not reach the database path")
	}
}

// A replay queues stored callbacks again; the worker finds them in the
// database (they are below its hand-over position) and processes them once more.
func TestWorkerTakesRequeuedCallbacksFromTheDatabase(t *testing.T) {
	r := newWorkerRig(t, feedGroups, 0)
	defer r.start()()
	cbs := r.send(t, 1, 200)
	r.waitIdle(t)
	n, err := r.store.RequeueCallbacks(context.Background(), store.CallbackFilter{Provider: "oy"}, 1000,
		&models.AuditEntry{At: time.Now().UTC(), Action: "callback.replay_bulk", ObjectType: "callback", Summary: "test"})
	if err != nil || n == 0 {
		t.Fatalf("requeued %d, %v", n, err)
	}
	r.worker.Wake()
	r.waitIdle(t)
	r.checkOnce(t, cbs, 2)
}

// stuckProcessor stands for a provider whose status API does not answer:
// it waits for its deadline, then asks to be retried.
type stuckProcessor struct {
	mu       sync.Mutex
	calls    int
	deadline bool
}

func (p *stuckProcessor) Process(ctx context.Context, cb *models.Callback) store.ProcessResult {
	_, hasDeadline := ctx.Deadline()
	p.mu.Lock()
	p.calls++
	p.deadline = p.deadline || hasDeadline
	p.mu.Unlock()
	<-ctx.Done()
	retry := time.Now().UTC().Add(time.Hour)
	return store.ProcessResult{Outcome: models.CallbackFailed, Error: "status call timed out", NextTryAt: &retry}
}

// One lane per provider: while OY's status call hangs, Ayopop's callbacks
// are processed; the hanging call ends at its deadline and is retried later.
func TestSlowProviderDoesNotStallTheOthers(t *testing.T) {
	r := newWorkerRig(t, feedGroups, 0)
	stuck := &stuckProcessor{}
	r.worker.Register("oy", "disbursement", stuck)
	r.worker.Register("ayopop", "topup", r.proc)
	r.worker.timeout = 3 * time.Second
	stop := r.start()
	defer stop()
	oyCB := &models.Callback{ReceivedAt: time.Now().UTC(), Provider: "oy", Kind: "disbursement", Method: "POST", Verified: true,
		DedupKey: "oy:slow", Status: models.CallbackPending, Body: []byte(`{}`)}
	if err := r.writer.Write(context.Background(), oyCB, nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var topups []*models.Callback
	for i := range 20 {
		cb := &models.Callback{ReceivedAt: time.Now().UTC(), Provider: "ayopop", Kind: "topup", Method: "POST", Verified: true,
			DedupKey: fmt.Sprint("ayopop:", i), Status: models.CallbackPending, Body: []byte(`{}`)}
		if err := r.writer.Write(context.Background(), cb, nil); err != nil {
			t.Fatal(err)
		}
		topups = append(topups, cb)
	}
	for _, cb := range topups {
		for r.proc.count(cb.ID) == 0 {
			if time.Since(start) > 2*time.Second {
				t.Fatalf("Ayopop callback %d not processed while OY's call hangs", cb.ID)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if time.Since(start) >= r.worker.timeout {
		t.Fatalf("Ayopop's callbacks waited %v, as long as OY's deadline", time.Since(start))
	}
	for {
		got, err := r.store.CallbackByID(context.Background(), oyCB.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == models.CallbackFailed {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("hanging OY callback still %s after 10 s", got.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stuck.mu.Lock()
	defer stuck.mu.Unlock()
	if stuck.calls != 1 || !stuck.deadline {
		t.Errorf("OY processor called %d times, deadline given: %v", stuck.calls, stuck.deadline)
	}
}
