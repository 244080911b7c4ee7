package intake

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/store"
)

// Processor applies one kind of callback to the records it concerns. It
// may call the provider's status API first (OY and Ayopop sign nothing, so
// a final state is confirmed there); the returned result's Apply then runs
// in the transaction that marks the callback processed. A processor must
// never move a record backwards: a late "pending" after "success" returns
// CallbackNoChange.
type Processor interface {
	Process(ctx context.Context, cb *models.Callback) store.ProcessResult
}

// ProcessorFunc adapts a function to Processor.
type ProcessorFunc func(ctx context.Context, cb *models.Callback) store.ProcessResult

// Process calls f.
func (f ProcessorFunc) Process(ctx context.Context, cb *models.Callback) store.ProcessResult {
	return f(ctx, cb)
}

// Worker applies stored callbacks in the order they arrived.
type Worker struct {
	store      *store.Store
	log        *slog.Logger
	mu         sync.RWMutex
	processors map[string]Processor // provider + "/" + kind
	wake       chan struct{}
	yield      func() bool // true while intake needs the writer
	batch      int
	idle       time.Duration
}

// NewWorker makes a worker; register processors before Run.
func NewWorker(st *store.Store, log *slog.Logger) *Worker {
	return &Worker{store: st, log: log, processors: map[string]Processor{}, wake: make(chan struct{}, 1), batch: 250, idle: time.Second}
}

// YieldTo makes the worker wait (briefly, never forever) while busy
// reports that intake is committing: answering providers comes first,
// processing the stored callbacks can follow a moment later.
func (w *Worker) YieldTo(busy func() bool) { w.yield = busy }

// Register sets the processor for one provider and kind.
func (w *Worker) Register(provider, kind string, p Processor) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.processors[provider+"/"+kind] = p
}

// Wake asks the worker to look for work now (called after each commit).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run processes until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("callback worker", "err", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		t := time.NewTimer(w.idle)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// RunOnce processes one batch of due callbacks and reports how many.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	due, err := w.store.DueCallbacks(ctx, w.batch)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	results := make([]store.ProcessResult, 0, len(due))
	for i := range due {
		results = append(results, w.process(ctx, &due[i], ""))
	}
	if w.yield != nil {
		for deadline := time.Now().Add(maxYield); w.yield() && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	return len(due), w.store.FinishCallbacks(ctx, results)
}

// maxYield bounds how long processing waits for intake, so a constant
// stream of callbacks cannot starve it.
const maxYield = 50 * time.Millisecond

// Replay processes one stored callback again now, on behalf of a person.
// Safe to repeat: processors never move a record backwards.
func (w *Worker) Replay(ctx context.Context, cb *models.Callback, actorEmail string) (store.ProcessResult, error) {
	if !cb.Verified {
		return store.ProcessResult{}, fmt.Errorf("callback %d failed verification and is never processed", cb.ID)
	}
	r := w.process(ctx, cb, actorEmail)
	if err := w.store.FinishCallbacks(ctx, []store.ProcessResult{r}); err != nil {
		return r, err
	}
	return r, nil
}

func (w *Worker) process(ctx context.Context, cb *models.Callback, actor string) (r store.ProcessResult) {
	defer func() {
		// A bug in one processor must not stop the others or the server.
		if p := recover(); p != nil {
			w.log.Error("callback processor panicked", "callback_id", cb.ID, "panic", fmt.Sprint(p))
			retry := time.Now().UTC().Add(5 * time.Minute)
			r = store.ProcessResult{CallbackID: cb.ID, Outcome: models.CallbackFailed, Error: "internal error while processing", NextTryAt: &retry}
		}
		r.CallbackID, r.ActorEmail = cb.ID, actor
	}()
	w.mu.RLock()
	p := w.processors[cb.Provider+"/"+cb.Kind]
	w.mu.RUnlock()
	if p == nil {
		return unmatched(cb)
	}
	return p.Process(ctx, cb)
}

// unmatched is the outcome for a callback whose record the dashboard does
// not hold: kept, shown as unmatched, and changes nothing.
func unmatched(cb *models.Callback) store.ProcessResult {
	return store.ProcessResult{CallbackID: cb.ID, Outcome: models.CallbackUnmatched,
		Detail: "No record in the dashboard matches the references of this " + cb.Provider + " " + cb.Kind + " callback; it is kept and changes nothing."}
}

// Unmatched is exported for processors that look a record up and miss.
func Unmatched(cb *models.Callback) store.ProcessResult { return unmatched(cb) }
