package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"backoffice/internal/models"
)

// ErrWriterClosed is returned once the callback writer has stopped.
var ErrWriterClosed = errors.New("store: callback writer closed")

// CallbackWriter stores inbound callbacks durably and fast: requests wait
// in a queue, one goroutine commits whatever has queued in one transaction,
// and each request is released only after the commit that holds it. With
// synchronous=FULL every commit is an fsync, so grouping is what lets
// thousands of callbacks a second be durable before they are answered.
type CallbackWriter struct {
	store      *Store
	db         *sql.DB
	queue      chan *pendingCallback
	maxBatch   int
	onCommit   func([]*models.Callback)
	wg         sync.WaitGroup
	closeMu    sync.RWMutex
	closed     bool
	nextID     int64        // SQLite: last id given out; read from the table at start
	lastID     atomic.Int64 // last id committed by this writer
	seq        string       // PostgreSQL: the callbacks id sequence, ids come from it
	stmts      map[string]*sql.Stmt
	unprepared []string
}

// pendingCallback is one entry of the queue: a callback to store.
type pendingCallback struct {
	cb   *models.Callback
	refs []string
	done chan error
}

// MaxCallbackBatch bounds one group commit.
const MaxCallbackBatch = 1024

// NewCallbackWriter starts the committer. onCommit, if set, runs after
// every commit with the callbacks it committed, in id order (the
// processing worker takes them from there instead of reading them back);
// it must not block, and must not change them.
func (s *Store) NewCallbackWriter(onCommit func([]*models.Callback)) (*CallbackWriter, error) {
	w := &CallbackWriter{store: s, db: s.db.WriteSQL(), queue: make(chan *pendingCallback, 4*MaxCallbackBatch), maxBatch: MaxCallbackBatch, onCommit: onCommit}
	if err := w.db.QueryRow("SELECT coalesce(max(id), 0) FROM callbacks").Scan(&w.nextID); err != nil {
		return nil, fmt.Errorf("store: read last callback id: %w", err)
	}
	w.lastID.Store(w.nextID)
	if s.d.pg {
		// Other replicas write callbacks too: ids come from the table's
		// identity sequence, a block per group (reserveIDs).
		if err := w.db.QueryRow("SELECT pg_get_serial_sequence('callbacks', 'id')").Scan(&w.seq); err != nil {
			return nil, fmt.Errorf("store: find the callbacks id sequence: %w", err)
		}
	}
	w.wg.Add(1)
	go w.run()
	return w, nil
}

// LastID is the id of the newest committed callback: every callback with a
// lower or equal id is on disk.
func (w *CallbackWriter) LastID() int64 { return w.lastID.Load() }

// Write stores one callback and returns once it is committed. It sets the
// callback's ID, and marks it a duplicate when a verified callback with the
// same dedup key was stored before.
func (w *CallbackWriter) Write(ctx context.Context, cb *models.Callback, refs []string) error {
	return w.enqueue(ctx, &pendingCallback{cb: cb, refs: refs, done: make(chan error, 1)})
}

func (w *CallbackWriter) enqueue(ctx context.Context, p *pendingCallback) error {
	w.closeMu.RLock()
	if w.closed {
		w.closeMu.RUnlock()
		return ErrWriterClosed
	}
	select {
	case w.queue <- p:
	case <-ctx.Done():
		w.closeMu.RUnlock()
		return ctx.Err()
	}
	w.closeMu.RUnlock()
	// Once queued the callback will be committed or fail as a whole batch;
	// waiting for that keeps "answered" equal to "stored".
	return <-p.done
}

// Busy reports whether callbacks are waiting to be committed. The worker
// stays off the writer while it is, so providers get their answers first.
func (w *CallbackWriter) Busy() bool { return len(w.queue) > 0 }

// Close commits what is queued and stops the committer.
func (w *CallbackWriter) Close() {
	w.closeMu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.closeMu.Unlock()
	w.wg.Wait()
	for _, st := range w.stmts {
		st.Close()
	}
}

// refusalFlushEvery is how often refusal counts go from memory to disk.
const refusalFlushEvery = time.Second

func (w *CallbackWriter) run() {
	defer w.wg.Done()
	tick := time.NewTicker(refusalFlushEvery)
	defer tick.Stop()
	batch := make([]*pendingCallback, 0, w.maxBatch)
	for {
		var p *pendingCallback
		select {
		case <-tick.C:
			w.flushRefusals()
			continue
		case next, ok := <-w.queue:
			if !ok {
				w.flushRefusals()
				return
			}
			p = next
		}
		batch = append(batch[:0], p)
	drain:
		for len(batch) < w.maxBatch {
			select {
			case p, ok := <-w.queue:
				if !ok {
					break drain
				}
				batch = append(batch, p)
			default:
				break drain
			}
		}
		err := w.commit(batch)
		var committed []*models.Callback
		if err == nil && w.onCommit != nil {
			committed = make([]*models.Callback, 0, len(batch))
			for _, p := range batch {
				committed = append(committed, p.cb)
			}
		}
		for _, p := range batch {
			p.done <- err
		}
		if len(committed) > 0 {
			w.onCommit(committed)
		}
	}
}

// callbackColumns are inserted per row, in this order.
const callbackColumns = "id, received_at, provider, kind, method, path, query, headers, body, truncated_from, source_ip, verified, verify_reason, dedup_key, duplicate, duplicate_of, refs, subject, reply_status, reply_body, status"

// callbackColumnCount is how many columns callbackColumns names.
const callbackColumnCount = 21

// insertChunk rows go into one multi-row INSERT (21 columns × 100 rows
// stays far below SQLite's limit on bound parameters).
const insertChunk = 100

// commitTries bounds how often a group is tried again on PostgreSQL after
// another replica's commit got in its way (see commit).
const commitTries = 5

// commit writes one group in one transaction. On SQLite the committer is
// the only writer of callbacks: it numbers the rows itself. On PostgreSQL
// other replicas write callbacks at the same time: ids come from the
// sequence, and when another replica committed one of the group's dedup
// keys first (the callback_keys primary key refuses the second: SQLSTATE
// 23505) or the two transactions deadlocked on a day counter, the group is
// tried again with the same ids, and its look-up of known keys then sees
// the other replica's callback, so this one is stored as its duplicate
// (callbacks_write_postgres.go).
func (w *CallbackWriter) commit(batch []*pendingCallback) error {
	if w.store.d.pg {
		return w.commitPostgres(batch)
	}
	return w.commitSQLite(batch)
}

// isConflict recognises PostgreSQL aborting one of two transactions that
// got in each other's way (deadlock 40P01, serialization failure 40001):
// trying again is the answer.
func isConflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// commitSQLite writes one group in one transaction with multi-row inserts,
// numbering the rows after the last one, and finds duplicates with one
// look-up for the whole group.
func (w *CallbackWriter) commitSQLite(batch []*pendingCallback) (err error) {
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin callback batch: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			for _, p := range batch {
				p.cb.ID = 0
			}
		}
	}()
	existing, err := w.existingKeys(ctx, tx, batch)
	if err != nil {
		return err
	}
	id, newKeys, refs := w.arrange(batch, nil, existing)
	rows := make([]any, 0, insertChunk*callbackColumnCount)
	for start := 0; start < len(batch); start += insertChunk {
		rows = rows[:0]
		for _, p := range batch[start:min(start+insertChunk, len(batch))] {
			cb := p.cb
			rows = append(rows, cb.ID, cb.ReceivedAt.UTC(), cb.Provider, cb.Kind, cb.Method, cb.Path, cb.Query, cb.Headers, cb.Body, cb.TruncatedFrom, cb.SourceIP,
				cb.Verified, cb.VerifyReason, cb.DedupKey, cb.Duplicate, cb.DuplicateOf, cb.Refs, cb.Subject, cb.ReplyStatus, cb.ReplyBody, cb.Status)
		}
		if err := w.insertRows(ctx, tx, "INSERT INTO callbacks ("+callbackColumns+") VALUES ", callbackColumnCount, rows, ""); err != nil {
			return fmt.Errorf("store: insert callbacks: %w", err)
		}
	}
	if err := w.insertRows(ctx, tx, "INSERT INTO callback_keys (dedup_key, callback_id) VALUES ", 2, newKeys, ""); err != nil {
		return fmt.Errorf("store: insert callback keys: %w", err)
	}
	if err := w.insertRows(ctx, tx, "INSERT INTO callback_refs (ref, callback_id) VALUES ", 2, refs, " ON CONFLICT DO NOTHING"); err != nil {
		return fmt.Errorf("store: insert callback refs: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit callback batch: %w", err)
	}
	w.nextID = id
	w.lastID.Store(id)
	w.prepareShapes(ctx)
	return nil
}

// arrange numbers the group's callbacks (ids, or after the last one when
// ids is nil), marks each verified callback whose dedup key is in existing
// or earlier in the group a duplicate, and returns the last id, the new
// keys (key, id pairs, sorted by key: two replicas inserting overlapping
// keys wait for each other in one order instead of deadlocking) and the
// references (ref, id pairs).
func (w *CallbackWriter) arrange(batch []*pendingCallback, ids []int64, existing map[string]int64) (last int64, newKeys, refs []any) {
	id := w.nextID
	var keyOrder []keyRow
	for i, p := range batch {
		cb := p.cb
		if ids != nil {
			id = ids[i]
		} else {
			id++
		}
		cb.ID = id
		cb.Duplicate, cb.DuplicateOf = false, nil
		if cb.Verified && cb.DedupKey != "" {
			if first, ok := existing[cb.DedupKey]; ok {
				cb.Duplicate, cb.DuplicateOf, cb.Status = true, &first, models.CallbackDuplicate
			} else {
				existing[cb.DedupKey] = cb.ID
				keyOrder = append(keyOrder, keyRow{cb.DedupKey, cb.ID})
			}
		}
		for _, ref := range p.refs {
			if ref != "" {
				refs = append(refs, ref, cb.ID)
			}
		}
	}
	slices.SortFunc(keyOrder, func(a, b keyRow) int { return strings.Compare(a.key, b.key) })
	for _, k := range keyOrder {
		newKeys = append(newKeys, k.key, k.id)
	}
	return id, newKeys, refs
}

// keyRow is one new dedup key of a group and the callback it names.
type keyRow struct {
	key string
	id  int64
}

func (w *CallbackWriter) prepareShapes(ctx context.Context) {
	for _, q := range w.unprepared {
		if _, ok := w.stmts[q]; ok || len(w.stmts) >= 400 {
			continue
		}
		st, err := w.db.PrepareContext(ctx, w.store.d.sql(q))
		if err != nil {
			continue // it runs unprepared next time; the insert itself reports real errors
		}
		if w.stmts == nil {
			w.stmts = map[string]*sql.Stmt{}
		}
		w.stmts[q] = st
	}
	w.unprepared = w.unprepared[:0]
}

// existingKeys finds which of the group's dedup keys were stored before,
// with one statement whose shape never changes (the keys go in as a JSON
// array), so it is prepared once.
func (w *CallbackWriter) existingKeys(ctx context.Context, tx *sql.Tx, batch []*pendingCallback) (map[string]int64, error) {
	found := map[string]int64{}
	var keys []string
	for _, p := range batch {
		if p.cb.Verified && p.cb.DedupKey != "" {
			keys = append(keys, p.cb.DedupKey)
		}
	}
	if len(keys) == 0 {
		return found, nil
	}
	arg, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	const q = "SELECT dedup_key, callback_id FROM callback_keys WHERE dedup_key IN (" + jsonValues + ")"
	st, ok := w.stmts[q]
	var rs *sql.Rows
	if ok {
		rs, err = tx.StmtContext(ctx, st).QueryContext(ctx, string(arg))
	} else {
		rs, err = tx.QueryContext(ctx, w.store.d.sql(q), string(arg))
		w.unprepared = append(w.unprepared, q)
	}
	if err != nil {
		return nil, fmt.Errorf("store: look up callback keys: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var k string
		var id int64
		if err := rs.Scan(&k, &id); err != nil {
			return nil, err
		}
		found[k] = id
	}
	return found, rs.Err()
}

// insertRows runs one multi-row INSERT per chunk of args (cols per row).
// Statements are prepared once per shape (between transactions) and kept:
// the writer pool has one connection, so every later transaction reuses them.
func (w *CallbackWriter) insertRows(ctx context.Context, tx *sql.Tx, prefix string, cols int, args []any, suffix string) error {
	row := "(?" + strings.Repeat(",?", cols-1) + ")"
	per := insertChunk * cols
	for start := 0; start < len(args); start += per {
		chunk := args[start:min(start+per, len(args))]
		n := len(chunk) / cols
		q := prefix + row + strings.Repeat(","+row, n-1) + suffix
		var err error
		if st, ok := w.stmts[q]; ok {
			_, err = tx.StmtContext(ctx, st).ExecContext(ctx, chunk...)
		} else {
			// The one connection is inside tx now; prepare this shape after the commit.
			_, err = tx.ExecContext(ctx, w.store.d.sql(q), chunk...)
			w.unprepared = append(w.unprepared, q)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// flushRefusals writes the refusal counts gathered in memory; a failure
// keeps them for the next tick.
func (w *CallbackWriter) flushRefusals() {
	_ = w.store.FlushRefusalCounts(context.Background())
}

// now is overridable for tests of time-based queries.
var now = func() time.Time { return time.Now().UTC() }
