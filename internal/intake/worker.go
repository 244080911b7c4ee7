package intake

import (
	"context"
	"errors"
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
// a final state is confirmed there); the returned result's Change is then
// applied in the transaction that marks the callback processed. A processor must
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

// Worker applies stored callbacks in the order they arrived, per provider. Callbacks
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
//
// Processing runs in one lane per provider: a goroutine that processes the
// provider's callbacks in id order, each with a deadline (ProcessTimeout),
// and records their results. A slow status call of one provider holds up
// only that provider's lane. A callback handed to a lane is "in flight"
// until its result is recorded; scans skip callbacks in flight.
type Worker struct {
	store      *store.Store
	log        *slog.Logger
	mu         sync.RWMutex
	processors map[string]Processor // provider + "/" + kind
	flightMu   sync.Mutex
	inFlight   map[int64]bool
	lanes      map[string]chan laneWork // provider → its lane; nil outside Run
	lanesWG    sync.WaitGroup
	laneCap    int
	timeout    time.Duration // ProcessTimeout
	wake       chan struct{}
	feed       chan []*models.Callback
	writer     Writer
	shared     bool // other replicas write and process callbacks too (PostgreSQL)
	// scanned holds callbacks a scan took above its writer's last id (only
	// when shared): their hand-over may still come, and is skipped.
	scanned    map[int64]time.Time
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
}

// NewWorker makes a worker; register processors before Run.
func NewWorker(st *store.Store, log *slog.Logger) *Worker {
	return &Worker{store: st, log: log, shared: st.SharedCallbacks(), scanned: map[int64]time.Time{}, processors: map[string]Processor{}, inFlight: map[int64]bool{}, wake: make(chan struct{}, 1),
		feed: make(chan []*models.Callback, feedGroups), laneCap: laneQueue, timeout: ProcessTimeout, batch: 250, idle: time.Second}
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

// ProcessTimeout bounds one processor call, its provider status call
// included; past it the callback fails and is retried later.
const ProcessTimeout = 20 * time.Second

// laneQueue bounds the groups waiting in one lane; past it a group is
// left pending in the database for a later scan, so a stuck provider
// cannot hold up the dispatch of the others.
const laneQueue = 64

// laneWork is one group of a provider's callbacks for its lane.
type laneWork struct {
	cbs    []*models.Callback
	fromDB bool
}

// Run processes until ctx ends, then waits for its lanes to record what
// they were processing.
func (w *Worker) Run(ctx context.Context) {
	w.flightMu.Lock()
	w.lanes = map[string]chan laneWork{}
	w.flightMu.Unlock()
	defer w.stopLanes()
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
// processes them: each processed group's bookkeeping is one transaction on
// the single writer intake also needs, so under load fewer, larger ones
// leave intake more of it, while a lone callback waits no longer than this.
const gather = 25 * time.Millisecond

// handOver processes committed groups from memory: this one and those
// that follow within gather, up to one batch, one bookkeeping transaction
// per provider lane.
func (w *Worker) handOver(ctx context.Context, cbs []*models.Callback) {
	var todo []*models.Callback
	timeout := time.NewTimer(gather)
	defer timeout.Stop()
	for {
		if len(cbs) > 0 {
			// With other replicas writing (PostgreSQL) ids have gaps, so a
			// gap is no sign of a dropped group; the scan every second
			// (idle) finds what was dropped.
			if !w.shared && (w.next == 0 || cbs[0].ID > w.next) {
				// A group was dropped (or nothing is known yet): the database has it.
				w.finish(ctx, todo)
				w.scan(ctx)
				todo = nil
			}
			fresh := cbs
			if w.shared {
				fresh = w.notScanned(cbs)
			}
			for _, cb := range fresh {
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

// finish hands callbacks to their lanes.
func (w *Worker) finish(ctx context.Context, cbs []*models.Callback) {
	if len(cbs) == 0 {
		return
	}
	w.flightMu.Lock()
	cbs = w.takeLocked(cbs)
	w.flightMu.Unlock()
	if err := w.dispatch(ctx, cbs, false); err != nil {
		// What was not recorded is still pending in the database, and the
		// next scan (due within a second) takes it.
		w.log.Error("callback worker", "err", err.Error())
		w.lastScan = time.Time{}
	}
}

// takeLocked keeps the callbacks not in flight and marks them in flight.
func (w *Worker) takeLocked(cbs []*models.Callback) []*models.Callback {
	out := cbs[:0:0]
	for _, cb := range cbs {
		if !w.inFlight[cb.ID] {
			w.inFlight[cb.ID] = true
			out = append(out, cb)
		}
	}
	return out
}

// land ends the flight of callbacks whose results are recorded (or were
// not, and stay due in the database).
func (w *Worker) land(cbs []*models.Callback) {
	w.flightMu.Lock()
	for _, cb := range cbs {
		delete(w.inFlight, cb.ID)
	}
	w.flightMu.Unlock()
}

// dispatch splits callbacks by provider. Inside Run each group goes to its
// provider's lane; otherwise (RunOnce) the groups are processed side by
// side and dispatch returns once all are recorded.
func (w *Worker) dispatch(ctx context.Context, cbs []*models.Callback, fromDB bool) error {
	if len(cbs) == 0 {
		return nil
	}
	groups := map[string][]*models.Callback{}
	var order []string
	for _, cb := range cbs {
		if _, ok := groups[cb.Provider]; !ok {
			order = append(order, cb.Provider)
		}
		groups[cb.Provider] = append(groups[cb.Provider], cb)
	}
	w.flightMu.Lock()
	lanes := w.lanes
	w.flightMu.Unlock()
	if lanes == nil {
		errs := make([]error, len(order))
		var wg sync.WaitGroup
		for i, p := range order {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = w.processGroup(ctx, laneWork{cbs: groups[p], fromDB: fromDB})
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	for _, p := range order {
		if !w.enqueue(ctx, p, laneWork{cbs: groups[p], fromDB: fromDB}) {
			// The lane is far behind, or Run is ending: these stay pending
			// in the database for a scan.
			w.land(groups[p])
			w.Wake()
		}
	}
	return nil
}

// enqueue hands work to the provider's lane, starting the lane on first
// use, without blocking. It reports false when the lane is full or Run has
// stopped its lanes. Sends and closes happen under flightMu, so a lane is
// never sent to after it is closed.
func (w *Worker) enqueue(ctx context.Context, provider string, work laneWork) bool {
	w.flightMu.Lock()
	defer w.flightMu.Unlock()
	if w.lanes == nil {
		return false
	}
	l, ok := w.lanes[provider]
	if !ok {
		l = make(chan laneWork, w.laneCap)
		w.lanes[provider] = l
		w.lanesWG.Add(1)
		go w.runLane(ctx, provider, l)
	}
	select {
	case l <- work:
		return true
	default:
		return false
	}
}

// runLane processes one provider's work in order until its lane is closed.
func (w *Worker) runLane(ctx context.Context, provider string, l chan laneWork) {
	defer w.lanesWG.Done()
	for work := range l {
		if ctx.Err() != nil {
			w.land(work.cbs) // still pending in the database
			continue
		}
		if err := w.processGroup(ctx, work); err != nil && ctx.Err() == nil {
			w.log.Error("callback worker", "provider", provider, "err", err.Error())
		}
	}
}

// stopLanes closes the lanes and waits until they have recorded their work.
func (w *Worker) stopLanes() {
	w.flightMu.Lock()
	for _, l := range w.lanes {
		close(l)
	}
	w.lanes = nil
	w.flightMu.Unlock()
	w.lanesWG.Wait()
}

// processGroup processes one provider's callbacks in order, records the
// results and ends their flight.
func (w *Worker) processGroup(ctx context.Context, work laneWork) error {
	defer w.land(work.cbs)
	results := make([]store.ProcessResult, 0, len(work.cbs))
	for _, cb := range work.cbs {
		results = append(results, w.processWithDeadline(ctx, cb))
	}
	if err := w.record(ctx, results); err != nil {
		return err
	}
	if work.fromDB {
		w.fromDB.Add(int64(len(work.cbs)))
	} else {
		w.fromMemory.Add(int64(len(work.cbs)))
	}
	return nil
}

func (w *Worker) processWithDeadline(ctx context.Context, cb *models.Callback) store.ProcessResult {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	return w.process(ctx, cb, "")
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
	// Read and take under flightMu: a lane ends a flight (under the same
	// lock) only after its results committed, so a callback read here as
	// due is either still in flight or really due.
	w.flightMu.Lock()
	limit := upTo
	if w.shared {
		// Other replicas write callbacks too (PostgreSQL): theirs are due
		// here as well, whatever this writer's last id. A callback of this
		// writer's committed after upTo may be taken here and handed over
		// as well; FinishCallbacks records (and applies) only one result.
		limit = math.MaxInt64
	}
	due, err := w.store.DueCallbacks(ctx, w.batch, limit)
	if err != nil {
		w.flightMu.Unlock()
		return 0, err
	}
	if upTo != math.MaxInt64 {
		// Everything up to upTo is handled by this scan or an earlier one.
		w.next = max(w.next, upTo+1)
	}
	cbs := make([]*models.Callback, len(due))
	for i := range due {
		cbs[i] = &due[i]
	}
	cbs = w.takeLocked(cbs)
	if w.shared {
		at := time.Now()
		for id, t := range w.scanned {
			if at.Sub(t) > scannedFor {
				delete(w.scanned, id) // another replica's: never handed over here
			}
		}
		for _, cb := range cbs {
			if cb.ID > upTo {
				w.scanned[cb.ID] = at
			}
		}
	}
	w.flightMu.Unlock()
	if len(cbs) == 0 {
		return 0, nil
	}
	if err := w.dispatch(ctx, cbs, true); err != nil {
		return 0, err
	}
	return len(cbs), nil
}

// notScanned drops from a hand-over the callbacks a scan took already
// (only with other replicas writing; on SQLite the hand-over needs no lock).
func (w *Worker) notScanned(cbs []*models.Callback) []*models.Callback {
	w.flightMu.Lock()
	defer w.flightMu.Unlock()
	out := cbs[:0:0]
	for _, cb := range cbs {
		if _, ok := w.scanned[cb.ID]; ok {
			delete(w.scanned, cb.ID)
			continue
		}
		out = append(out, cb)
	}
	return out
}

// scannedFor is how long a scan remembers a callback it took above its
// writer's last id: far longer than a committed group takes to be handed over.
const scannedFor = time.Minute

// record writes the results in one transaction of the worker's own,
// once intake's queue is empty (or maxYield has passed).
func (w *Worker) record(ctx context.Context, results []store.ProcessResult) error {
	w.yield()
	return w.store.FinishCallbacks(ctx, results)
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
		r.CallbackID, r.ActorEmail, r.Attempts = cb.ID, actor, cb.Attempts
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
