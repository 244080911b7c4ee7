package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// CallbackByID loads one callback with its body and headers.
func (s *Store) CallbackByID(ctx context.Context, id int64) (*models.Callback, error) {
	var cb models.Callback
	err := s.db.Read.WithContext(ctx).First(&cb, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: load callback %d: %w", id, err)
	}
	return &cb, nil
}

// SharedCallbacks reports whether other processes (replicas) may write
// and process callbacks in the same database: true on PostgreSQL. The
// worker then scans every due callback, not only up to its own writer's
// last id, and counts on FinishCallbacks' claim for exactly once.
func (s *Store) SharedCallbacks() bool { return s.d.pg }

// CallbackAttempts lists the processing attempts of one callback, oldest first.
func (s *Store) CallbackAttempts(ctx context.Context, id int64) ([]models.CallbackAttempt, error) {
	var out []models.CallbackAttempt
	err := s.db.Read.WithContext(ctx).Where("callback_id = ?", id).Order("id").Find(&out).Error
	return out, err
}

// DueCallbacks returns callbacks waiting for processing with ids up to
// maxID, oldest first: pending ones, and failed ones whose retry time has
// come. Both halves run on the (status, id) index.
func (s *Store) DueCallbacks(ctx context.Context, limit int, maxID int64) ([]models.Callback, error) {
	ctx = quick(ctx)
	const cols = "id, received_at, provider, kind, method, path, query, headers, body, source_ip, verified, dedup_key, duplicate, refs, subject, status, attempts, record_type, record_id"
	q := `SELECT * FROM (SELECT ` + cols + ` FROM callbacks WHERE status = ? AND id <= ? ORDER BY id LIMIT ?) AS pending
		UNION ALL SELECT * FROM (SELECT ` + cols + ` FROM callbacks WHERE status = ? AND next_try_at <= ? AND id <= ? ORDER BY id LIMIT ?) AS failed
		ORDER BY id LIMIT ?`
	rows, err := s.db.ReadSQL().QueryContext(ctx, s.d.sql(q), models.CallbackPending, maxID, limit, models.CallbackFailed, now(), maxID, limit, limit)
	if err != nil {
		return nil, fmt.Errorf("store: due callbacks: %w", err)
	}
	defer rows.Close()
	var out []models.Callback
	for rows.Next() {
		var c models.Callback
		if err := rows.Scan(&c.ID, &c.ReceivedAt, &c.Provider, &c.Kind, &c.Method, &c.Path, &c.Query, &c.Headers, &c.Body, &c.SourceIP,
			&c.Verified, &c.DedupKey, &c.Duplicate, &c.Refs, &c.Subject, &c.Status, &c.Attempts, &c.RecordType, &c.RecordID); err != nil {
			return nil, fmt.Errorf("store: due callbacks: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ProcessResult is the outcome of one processing attempt.
type ProcessResult struct {
	CallbackID int64
	Outcome    models.CallbackStatus
	Detail     string
	Error      string
	RecordType string
	RecordID   string
	ActorEmail string
	// Attempts is the callback's attempt count when it was read for
	// processing (the worker sets it). On PostgreSQL, where the workers of
	// two replicas can take the same callback, a result is recorded only
	// while the count is unchanged: the first to record wins, and the
	// other's result, its Change included, is dropped (claimResults).
	Attempts  int
	NextTryAt *time.Time
	// Change is the record change, applied in the same transaction that
	// marks the callback processed, so a crash cannot apply it twice.
	// Outcome becomes applied when it moves the record, no change when not.
	Change RecordChange
}

// RecordChange is a change a processed callback makes to a record. Only
// the store's own types (DisbursementMove) implement it: the store owns
// the transaction it runs in.
type RecordChange interface {
	applyIn(tx *gorm.DB) (changed bool, err error)
}

// The worker's two grouped statements take the callback ids as one JSON
// array, so their shape never changes and each is prepared once.
const (
	insertAttempts = `INSERT INTO callback_attempts (callback_id, at, outcome, detail, error, actor_email)
		SELECT ids.value, ?, ?, ?, ?, ? FROM (` + jsonIDs + `) AS ids`
	updateGroup = `UPDATE callbacks SET status = ?, attempts = attempts + 1, next_try_at = NULL, processed_at = coalesce(?, processed_at)
		WHERE id IN (` + jsonIDs + `)`
	// recordGroupPostgres is both for a group on PostgreSQL, in one
	// statement that also claims: only callbacks whose attempts are still
	// the count the worker read are moved (a second replica recording the
	// same callback waits on the row, then finds attempts moved and leaves
	// it), and attempts are written for exactly the callbacks moved.
	recordGroupPostgres = `WITH seen AS (SELECT * FROM json_to_recordset($1::json) AS x(id bigint, attempts bigint)),
		moved AS (UPDATE callbacks c SET status = $2, attempts = c.attempts + 1, next_try_at = NULL, processed_at = coalesce($3::timestamptz, c.processed_at)
			FROM seen WHERE c.id = seen.id AND c.attempts = seen.attempts RETURNING c.id)
		INSERT INTO callback_attempts (callback_id, at, outcome, detail, error, actor_email)
		SELECT id, $4, $2, $5, $6, $7 FROM moved`
)

// prepareFinish prepares the grouped statements on the writer, outside
// any transaction (the writer has one connection). PostgreSQL records a
// group with recordGroupPostgres instead, prepared by pgx's own cache.
func (s *Store) prepareFinish(ctx context.Context) error {
	s.finishOnce.Do(func() {
		s.finishStmts = map[string]*sql.Stmt{}
		if s.d.pg {
			return
		}
		for _, q := range []string{insertAttempts, updateGroup} {
			st, err := s.db.WriteSQL().PrepareContext(ctx, s.d.sql(q))
			if err != nil {
				s.finishErr = err
				return
			}
			s.finishStmts[q] = st
		}
	})
	return s.finishErr
}

// finishStmt binds a prepared grouped statement to the transaction.
func (s *Store) finishStmt(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	return tx.StmtContext(ctx, s.finishStmts[q])
}

// FinishCallbacks records each result: applies its change, writes the
// attempt and moves the callback to its outcome, all in one transaction;
// a result whose Apply fails is rolled back alone and kept as failed.
// Results that change no record and share an outcome (the common case:
// unmatched, no change) are written together with one UPDATE and one
// multi-row INSERT, so the worker keeps pace with busy intake.
func (s *Store) FinishCallbacks(ctx context.Context, results []ProcessResult) error {
	ctx = quick(ctx) // a started bookkeeping transaction is finished, not abandoned
	if err := s.prepareFinish(ctx); err != nil {
		return fmt.Errorf("store: prepare callback bookkeeping: %w", err)
	}
	at := now()
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		conn := tx.Statement.ConnPool
		if s.d.pg {
			var err error
			if results, err = s.claimResults(ctx, conn, results); err != nil {
				return err
			}
		}
		var simple []ProcessResult
		for i := range results {
			r := &results[i]
			if r.simple() {
				simple = append(simple, *r)
				continue
			}
			if r.Change != nil {
				sp := fmt.Sprintf("cb%d", i)
				if err := tx.SavePoint(sp).Error; err != nil {
					return err
				}
				changed, err := r.Change.applyIn(tx)
				if err != nil {
					if err := tx.RollbackTo(sp).Error; err != nil {
						return err
					}
					retry := at.Add(time.Minute)
					r.Outcome, r.Error, r.NextTryAt = models.CallbackFailed, err.Error(), &retry
				} else if changed {
					r.Outcome = models.CallbackApplied
				} else {
					r.Outcome = models.CallbackNoChange
				}
			}
			if _, err := conn.ExecContext(ctx, s.d.sql(`INSERT INTO callback_attempts (callback_id, at, outcome, detail, error, record_type, record_id, actor_email)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), r.CallbackID, at, r.Outcome, r.Detail, r.Error, r.RecordType, r.RecordID, r.ActorEmail); err != nil {
				return fmt.Errorf("store: record callback attempt: %w", err)
			}
			var next any
			if r.NextTryAt != nil {
				next = r.NextTryAt.UTC()
			}
			done := r.Outcome != models.CallbackFailed
			if _, err := conn.ExecContext(ctx, s.d.sql(`UPDATE callbacks SET status = ?, attempts = attempts + 1, next_try_at = ?,
				record_type = CASE WHEN ? <> '' THEN ? ELSE record_type END,
				record_id = CASE WHEN ? <> '' THEN ? ELSE record_id END,
				processed_at = CASE WHEN ? THEN ? ELSE processed_at END
				WHERE id = ?`), r.Outcome, next, r.RecordID, r.RecordType, r.RecordID, r.RecordID, done, at, r.CallbackID); err != nil {
				return fmt.Errorf("store: update callback %d: %w", r.CallbackID, err)
			}
		}
		sqlTx, _ := conn.(*sql.Tx)
		return s.recordSimple(ctx, sqlTx, simple, at)
	})
}

// claimResults keeps the results whose callbacks nobody recorded since
// they were read (attempts unchanged), and locks those callbacks until the
// transaction ends. Simple results pass through: their grouped update
// claims them itself (recordSimple). A second replica recording the same callback waits on
// the lock; once the first commits, PostgreSQL checks the condition again
// on the new row (read committed), finds attempts moved, and leaves the
// callback out: its result and record change are dropped, so a callback is
// applied once however many workers processed it.
func (s *Store) claimResults(ctx context.Context, conn gorm.ConnPool, results []ProcessResult) ([]ProcessResult, error) {
	var claim []ProcessResult
	for _, r := range results {
		if !r.simple() {
			claim = append(claim, r)
		}
	}
	if len(claim) == 0 {
		return results, nil
	}
	b, err := attemptsSeen(claim)
	if err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, `SELECT c.id FROM callbacks c
		JOIN json_to_recordset($1::json) AS x(id bigint, attempts bigint) ON c.id = x.id AND c.attempts = x.attempts
		ORDER BY c.id FOR UPDATE OF c`, string(b))
	if err != nil {
		return nil, fmt.Errorf("store: claim callbacks: %w", err)
	}
	defer rows.Close()
	claimed := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: claim callbacks: %w", err)
		}
		claimed[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: claim callbacks: %w", err)
	}
	out := results[:0:0]
	for _, r := range results {
		if r.simple() {
			out = append(out, r) // claimed by its grouped update (recordSimple)
		} else if claimed[r.CallbackID] {
			out = append(out, r)
			delete(claimed, r.CallbackID) // the same callback twice in one call: the first result counts
		}
	}
	return out, nil
}

// attemptsSeen is the JSON array of (id, attempts) the results were
// processed at, for the claims, in id order: a grouped update takes its
// rows in this order, so two replicas recording overlapping groups wait
// for each other instead of deadlocking.
func attemptsSeen(results []ProcessResult) ([]byte, error) {
	type seen struct {
		ID       int64 `json:"id"`
		Attempts int   `json:"attempts"`
	}
	arg := make([]seen, len(results))
	for i, r := range results {
		arg[i] = seen{r.CallbackID, r.Attempts}
	}
	slices.SortFunc(arg, func(a, b seen) int { return cmp.Compare(a.ID, b.ID) })
	return json.Marshal(arg)
}

// simple reports whether a result changes no record and needs no retry
// (the common outcomes: unmatched, no change). The bookkeeping of such
// results is written in groups, with one UPDATE and one multi-row INSERT
// per outcome.
func (r *ProcessResult) simple() bool {
	return r.Change == nil && r.RecordID == "" && r.NextTryAt == nil
}

// recordSimple writes the attempts and new statuses of simple results,
// grouped by outcome, inside tx.
func (s *Store) recordSimple(ctx context.Context, tx *sql.Tx, results []ProcessResult, at time.Time) error {
	type groupKey struct {
		outcome                models.CallbackStatus
		detail, errText, actor string
	}
	groups := map[groupKey][]ProcessResult{}
	var order []groupKey
	for _, r := range results {
		k := groupKey{r.Outcome, r.Detail, r.Error, r.ActorEmail}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	for _, k := range order {
		var processed any
		if k.outcome != models.CallbackFailed {
			processed = at
		}
		if s.d.pg {
			seen, err := attemptsSeen(groups[k])
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, recordGroupPostgres, string(seen), k.outcome, processed, at, k.detail, k.errText, k.actor); err != nil {
				return fmt.Errorf("store: record callbacks: %w", err)
			}
			continue
		}
		ids := make([]int64, len(groups[k]))
		for i, r := range groups[k] {
			ids[i] = r.CallbackID
		}
		idsJSON, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		if _, err := s.finishStmt(ctx, tx, insertAttempts).ExecContext(ctx, at, k.outcome, k.detail, k.errText, k.actor, string(idsJSON)); err != nil {
			return fmt.Errorf("store: record callback attempts: %w", err)
		}
		if _, err := s.finishStmt(ctx, tx, updateGroup).ExecContext(ctx, k.outcome, processed, string(idsJSON)); err != nil {
			return fmt.Errorf("store: update callbacks: %w", err)
		}
	}
	return nil
}

// RequeueCallbacks puts every matching callback that passed verification
// and is not a duplicate (those are never applied) back in the processing
// queue, up to limit, and records the audit entry.
func (s *Store) RequeueCallbacks(ctx context.Context, f CallbackFilter, limit int, audit *models.AuditEntry) (int64, error) {
	ok, err := s.resolveDates(ctx, &f)
	if err != nil || !ok {
		return 0, err
	}
	var n int64
	err = s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids := f.apply(tx.Model(&models.Callback{}).Select("id")).Where(s.d.is("verified", true) + " AND " + s.d.is("duplicate", false)).Order("id DESC").Limit(limit)
		res := tx.Model(&models.Callback{}).Where("id IN (?)", ids).Updates(map[string]any{"status": models.CallbackPending, "next_try_at": nil})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		audit.Summary = fmt.Sprintf("%s: %d callbacks queued for processing again", audit.Summary, n)
		return insertAudit(tx, audit)
	})
	return n, err
}
