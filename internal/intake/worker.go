package intake

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
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

// Worker applies stored callbacks in the order they arrived. Callbacks
// reach it two ways: the writer hands over each group it committed (the
// hot path: nothing is read back from the database), and the worker scans
// the database for what the hand-over missed — at start, after a crash,
// when a group was dropped because the worker was behind, for retries that
// are due, and for callbacks queued again by a replay.
//
// Exactly once: next is the first id the worker has not taken care of.
// A scan reads the writer's last committed id L first and looks only at
// ids up to L, then moves next past L; handed-over callbacks below next
// are skipped, and a group that starts above next (one was dropped) sends
// the worker back to the database. Run is the only goroutine that moves
// next; RunOnce is for callers that do not Run the worker.
type Worker struct {
	store      *store.Store
	log        *slog.Logger
	mu         sync.RWMutex
	processors map[string]Processor // provider + "/" + kind
	wake       chan struct{}
	feed       chan []*models.Callback
	writer     Writer
	next       int64
	lastScan   time.Time
	batch      int
	idle       time.Duration
	fromMemory atomic.Int64 // callbacks processed as handed over
	fromDB     atomic.Int64 // callbacks processed after a database scan
}

// Processed reports how many callbacks were processed as handed over by
// the writer and how many were found by scanning the database.
func (w *Worker) Processed() (handedOver, scanned int64) {
	return w.fromMemory.Load(), w.fromDB.Load()
}

// Writer is what the worker needs of the callback writer.
type Writer interface {
	// Busy reports whether callbacks are waiting to be committed.
	Busy() bool
	// LastID is the id of the newest committed callback.
	LastID() int64
	// Record writes the bookkeeping of results that change no record in
	// the writer's next group commit.
	Record(ctx context.Context, results []store.ProcessResult) error
}

// NewWorker makes a worker; register processors before Run.
func NewWorker(st *store.Store, log *slog.Logger) *Worker {
	return &Worker{store: st, log: log, processors: map[string]Processor{}, wake: make(chan struct{}, 1),
		feed: make(chan []*models.Callback, feedGroups), batch: 250, idle: time.Second}
}

// feedGroups bounds the committed groups waiting in memory; past it a
// group is dropped and the worker reads it from the database instead.
const feedGroups = 256

// Follow connects the worker to the callback writer whose commits it is
// handed (through Committed): processing waits, briefly, while the writer
// has callbacks queued, so providers get their answers first.
func (w *Worker) Follow(wr Writer) { w.writer = wr }

// Register sets the processor for one provider and kind.
func (w *Worker) Register(provider, kind string, p Processor) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.processors[provider+"/"+kind] = p
}

// Committed hands the worker a group the writer has just committed, in id
// order. It never blocks: when the worker is far behind the group is
// dropped, and the worker finds those callbacks in the database.
func (w *Worker) Committed(cbs []*models.Callback) {
	select {
	case w.feed <- cbs:
	default:
	}
}

// Wake asks the worker to look in the database now (after a replay).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run processes until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.scan(ctx)
	t := time.NewTimer(w.idle)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case cbs := <-w.feed:
			w.handOver(ctx, cbs)
		case <-w.wake:
			w.scan(ctx)
		case <-t.C:
			w.scan(ctx)
		}
		if time.Since(w.lastScan) >= w.idle {
			w.scan(ctx) // retries come due even while the hand-over keeps the worker busy
		}
		t.Reset(w.idle)
	}
}

// gather is how long the worker collects handed-over groups before it
// processes them: each processed group's bookkeeping is one more entry in
// intake's single writer, so under load fewer, larger ones leave intake
// more of it, while a lone callback waits no longer than this.
const gather = 25 * time.Millisecond

// handOver processes committed groups from memory: this one and those
// that follow within gather, up to one batch, in one bookkeeping
// transaction.
func (w *Worker) handOver(ctx context.Context, cbs []*models.Callback) {
	var todo []*models.Callback
	timeout := time.NewTimer(gather)
	defer timeout.Stop()
	for {
		if len(cbs) > 0 {
			if w.next == 0 || cbs[0].ID > w.next {
				// A group was dropped (or nothing is known yet): the database has it.
				w.finish(ctx, todo)
				w.scan(ctx)
				todo = nil
			}
			for _, cb := range cbs {
				if cb.ID >= w.next && cb.Status == models.CallbackPending {
					todo = append(todo, cb)
				}
			}
			w.next = max(w.next, cbs[len(cbs)-1].ID+1)
		}
		if len(todo) >= w.batch {
			break
		}
		select {
		case cbs = <-w.feed:
			continue
		case <-timeout.C:
		case <-ctx.Done():
		}
		break
	}
	w.finish(ctx, todo)
}

// finish processes callbacks and records the results.
func (w *Worker) finish(ctx context.Context, cbs []*models.Callback) {
	if len(cbs) == 0 {
		return
	}
	if err := w.apply(ctx, cbs); err != nil {
		// What was not recorded is still pending in the database, and the
		// next scan (due within a second) takes it.
		w.log.Error("callback worker", "err", err.Error())
		w.lastScan = time.Time{}
		return
	}
	w.fromMemory.Add(int64(len(cbs)))
}

// scan processes due callbacks from the database until none are left up
// to the newest committed when it began; later ones are handed over.
func (w *Worker) scan(ctx context.Context) {
	w.lastScan = time.Now()
	upTo := w.upTo()
	for ctx.Err() == nil {
		n, err := w.scanOnce(ctx, upTo)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Error("callback worker", "err", err.Error())
			}
			return
		}
		if n == 0 {
			return
		}
	}
}

// upTo is the id a scan may look up to: the writer's last committed id.
func (w *Worker) upTo() int64 {
	if w.writer == nil {
		return math.MaxInt64
	}
	return w.writer.LastID()
}

// RunOnce processes one batch of due callbacks from the database and
// reports how many, for callers that do not Run the worker.
func (w *Worker) RunOnce(ctx context.Context) (int, error) { return w.scanOnce(ctx, w.upTo()) }

func (w *Worker) scanOnce(ctx context.Context, upTo int64) (int, error) {
	due, err := w.store.DueCallbacks(ctx, w.batch, upTo)
	if err != nil {
		return 0, err
	}
	if upTo != math.MaxInt64 {
		// Everything up to upTo is handled by this scan or an earlier one.
		w.next = max(w.next, upTo+1)
	}
	if len(due) == 0 {
		return 0, nil
	}
	cbs := make([]*models.Callback, len(due))
	for i := range due {
		cbs[i] = &due[i]
	}
	if err := w.apply(ctx, cbs); err != nil {
		return 0, err
	}
	w.fromDB.Add(int64(len(due)))
	return len(due), nil
}

// apply processes callbacks in order and records the results.
func (w *Worker) apply(ctx context.Context, cbs []*models.Callback) error {
	results := make([]store.ProcessResult, 0, len(cbs))
	for _, cb := range cbs {
		results = append(results, w.process(ctx, cb, ""))
	}
	return w.record(ctx, results)
}

// record writes the results: those that change no record in the writer's
// next group commit, the others (record changes, retries) in a transaction
// of their own once intake's queue is empty.
func (w *Worker) record(ctx context.Context, results []store.ProcessResult) error {
	if w.writer == nil {
		return w.store.FinishCallbacks(ctx, results)
	}
	var simple, other []store.ProcessResult
	for _, r := range results {
		if r.Simple() {
			simple = append(simple, r)
		} else {
			other = append(other, r)
		}
	}
	if len(other) > 0 {
		w.yield()
		if err := w.store.FinishCallbacks(ctx, other); err != nil {
			return err
		}
	}
	return w.writer.Record(ctx, simple)
}

// yield waits while intake has callbacks queued for the writer.
func (w *Worker) yield() {
	if w.writer == nil {
		return
	}
	for deadline := time.Now().Add(maxYield); w.writer.Busy() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
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
