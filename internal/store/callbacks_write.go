package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

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
	db       *sql.DB
	queue    chan *pendingCallback
	maxBatch int
	onCommit func()
	wg       sync.WaitGroup
	closeMu  sync.RWMutex
	closed   bool
}

type pendingCallback struct {
	cb   *models.Callback
	refs []string
	done chan error
}

// MaxCallbackBatch bounds one group commit.
const MaxCallbackBatch = 1024

// NewCallbackWriter starts the committer. onCommit, if set, runs after
// every commit (to wake the processing worker).
func (s *Store) NewCallbackWriter(onCommit func()) *CallbackWriter {
	w := &CallbackWriter{db: s.db.WriteSQL(), queue: make(chan *pendingCallback, 4*MaxCallbackBatch), maxBatch: MaxCallbackBatch, onCommit: onCommit}
	w.wg.Add(1)
	go w.run()
	return w
}

// Write stores one callback and returns once it is committed. It sets the
// callback's ID, and marks it a duplicate when a verified callback with the
// same dedup key was stored before.
func (w *CallbackWriter) Write(ctx context.Context, cb *models.Callback, refs []string) error {
	p := &pendingCallback{cb: cb, refs: refs, done: make(chan error, 1)}
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

// Close commits what is queued and stops the committer.
func (w *CallbackWriter) Close() {
	w.closeMu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.closeMu.Unlock()
	w.wg.Wait()
}

func (w *CallbackWriter) run() {
	defer w.wg.Done()
	batch := make([]*pendingCallback, 0, w.maxBatch)
	for p := range w.queue {
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
		for _, p := range batch {
			p.done <- err
		}
		if err == nil && w.onCommit != nil {
			w.onCommit()
		}
	}
}

func (w *CallbackWriter) commit(batch []*pendingCallback) (err error) {
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
	findKey, err := tx.PrepareContext(ctx, `SELECT callback_id FROM callback_keys WHERE dedup_key = ?`)
	if err != nil {
		return err
	}
	defer findKey.Close()
	insert, err := tx.PrepareContext(ctx, `INSERT INTO callbacks (received_at, provider, kind, method, path, query, headers, body, source_ip,
		verified, verify_reason, dedup_key, duplicate, duplicate_of, refs, reply_status, reply_body, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insert.Close()
	insKey, err := tx.PrepareContext(ctx, `INSERT INTO callback_keys (dedup_key, callback_id) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer insKey.Close()
	insRef, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO callback_refs (ref, callback_id) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer insRef.Close()

	for _, p := range batch {
		cb := p.cb
		cb.Duplicate, cb.DuplicateOf = false, nil
		if cb.Verified && cb.DedupKey != "" {
			var first int64
			switch err := findKey.QueryRowContext(ctx, cb.DedupKey).Scan(&first); {
			case err == nil:
				cb.Duplicate, cb.DuplicateOf = true, &first
				cb.Status = models.CallbackDuplicate
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("store: look up callback key: %w", err)
			}
		}
		res, err := insert.ExecContext(ctx, cb.ReceivedAt.UTC(), cb.Provider, cb.Kind, cb.Method, cb.Path, cb.Query, cb.Headers, cb.Body, cb.SourceIP,
			cb.Verified, cb.VerifyReason, cb.DedupKey, cb.Duplicate, cb.DuplicateOf, cb.Refs, cb.ReplyStatus, cb.ReplyBody, cb.Status)
		if err != nil {
			return fmt.Errorf("store: insert callback: %w", err)
		}
		if cb.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if cb.Verified && cb.DedupKey != "" && !cb.Duplicate {
			if _, err := insKey.ExecContext(ctx, cb.DedupKey, cb.ID); err != nil {
				return fmt.Errorf("store: insert callback key: %w", err)
			}
		}
		for _, ref := range p.refs {
			if ref == "" {
				continue
			}
			if _, err := insRef.ExecContext(ctx, ref, cb.ID); err != nil {
				return fmt.Errorf("store: insert callback ref: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit callback batch: %w", err)
	}
	return nil
}

// CountRefusedCallback counts a callback refused before it could be stored
// (a body over the size limit), per provider.
func (s *Store) CountRefusedCallback(ctx context.Context, name string) error {
	return s.db.Write.WithContext(ctx).Exec(`INSERT INTO callback_counters (name, value) VALUES (?, 1)
		ON CONFLICT(name) DO UPDATE SET value = value + 1`, name).Error
}

// CallbackCounter reads one counter.
func (s *Store) CallbackCounter(ctx context.Context, name string) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Raw(`SELECT coalesce((SELECT value FROM callback_counters WHERE name = ?), 0)`, name).Scan(&n).Error
	return n, err
}

// now is overridable for tests of time-based queries.
var now = func() time.Time { return time.Now().UTC() }
