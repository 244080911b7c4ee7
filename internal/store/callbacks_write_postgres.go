package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"backoffice/internal/models"
)

// On PostgreSQL a group goes to the server in two round trips, each a pgx
// pipeline: the first takes the group's ids from the sequence and looks up
// which dedup keys are known; the second inserts the callbacks, their keys
// and their references, one statement each (arrays through unnest, so the
// statements' shapes never change with the group's size). The second
// pipeline has no BEGIN: PostgreSQL runs everything up to its Sync as one
// implicit transaction and commits it there, before answering, so the
// group is stored whole and durably (synchronous_commit) or not at all.
//
// The look-up runs outside that transaction. When another replica stores
// one of the keys in between, the callback_keys primary key refuses this
// group's insert (SQLSTATE 23505) and the group is tried again with the
// same ids: its look-up then finds the other replica's callback.

const (
	reserveIDsSQL  = "SELECT nextval($1::regclass) FROM generate_series(1, $2)"
	knownKeysSQL   = "SELECT dedup_key, callback_id FROM callback_keys WHERE dedup_key = ANY($1::text[])"
	insertKeysSQL  = "INSERT INTO callback_keys (dedup_key, callback_id) SELECT * FROM unnest($1::text[], $2::bigint[])"
	insertRefsSQL  = "INSERT INTO callback_refs (ref, callback_id) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING"
	insertGroupSQL = "INSERT INTO callbacks (" + callbackColumns + ") SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bytea[], $10::bigint[], $11::text[], $12::boolean[], $13::text[], $14::text[], $15::boolean[], $16::bigint[], $17::text[], $18::text[], $19::bigint[], $20::text[], $21::text[])"
)

// commitPostgres writes one group, trying again (same ids) when another
// replica's commit got in its way.
func (w *CallbackWriter) commitPostgres(batch []*pendingCallback) error {
	ctx := context.Background()
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: callback batch: %w", err)
	}
	defer conn.Close()
	statuses := make([]models.CallbackStatus, len(batch))
	for i, p := range batch {
		statuses[i] = p.cb.Status
	}
	var ids []int64
	for try := 1; ; try++ {
		err = conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("store: callback batch: a %T is not a pgx connection", dc)
			}
			return w.groupPostgres(ctx, c.Conn(), batch, &ids)
		})
		if err == nil {
			w.lastID.Store(max(w.lastID.Load(), ids[len(ids)-1]))
			return nil
		}
		for i, p := range batch {
			p.cb.ID, p.cb.Status = 0, statuses[i]
		}
		if try == commitTries || !(isUniqueViolation(err) || isConflict(err)) {
			return err
		}
	}
}

// groupPostgres is one try: the look-up pipeline (with the ids on the
// first try), then the insert pipeline.
func (w *CallbackWriter) groupPostgres(ctx context.Context, c *pgx.Conn, batch []*pendingCallback, ids *[]int64) error {
	var keys []string
	for _, p := range batch {
		if p.cb.Verified && p.cb.DedupKey != "" {
			keys = append(keys, p.cb.DedupKey)
		}
	}
	existing := map[string]int64{}
	look := &pgx.Batch{}
	if *ids == nil {
		look.Queue(reserveIDsSQL, w.seq, len(batch))
	}
	if len(keys) > 0 {
		look.Queue(knownKeysSQL, keys)
	}
	if look.Len() > 0 {
		br := c.SendBatch(ctx, look)
		if *ids == nil {
			rows, _ := br.Query()
			got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err == nil && len(got) != len(batch) {
				err = fmt.Errorf("got %d of %d", len(got), len(batch))
			}
			if err != nil {
				_ = br.Close()
				return fmt.Errorf("store: reserve callback ids: %w", err)
			}
			slices.Sort(got)
			*ids = got
		}
		if len(keys) > 0 {
			rows, _ := br.Query()
			var k string
			var id int64
			if _, err := pgx.ForEachRow(rows, []any{&k, &id}, func() error { existing[k] = id; return nil }); err != nil {
				_ = br.Close()
				return fmt.Errorf("store: look up callback keys: %w", err)
			}
		}
		if err := br.Close(); err != nil {
			return fmt.Errorf("store: look up callback keys: %w", err)
		}
	}

	_, newKeys, refs := w.arrange(batch, *ids, existing)
	write := &pgx.Batch{}
	write.Queue(insertGroupSQL, groupColumns(batch)...)
	write.Queue(insertKeysSQL, pairStrings(newKeys), pairIDs(newKeys))
	write.Queue(insertRefsSQL, pairStrings(refs), pairIDs(refs))
	br := c.SendBatch(ctx, write)
	for _, what := range []string{"callbacks", "callback keys", "callback refs"} {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("store: insert %s: %w", what, err)
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("store: commit callback batch: %w", err)
	}
	return nil
}

// groupColumns is the group as one array per column, in callbackColumns'
// order, for insertGroupSQL.
func groupColumns(batch []*pendingCallback) []any {
	type cb = *models.Callback
	return []any{
		column(batch, func(c cb) int64 { return c.ID }),
		column(batch, func(c cb) time.Time { return c.ReceivedAt.UTC() }),
		column(batch, func(c cb) string { return c.Provider }),
		column(batch, func(c cb) string { return c.Kind }),
		column(batch, func(c cb) string { return c.Method }),
		column(batch, func(c cb) string { return c.Path }),
		column(batch, func(c cb) string { return c.Query }),
		column(batch, func(c cb) string { return c.Headers }),
		column(batch, func(c cb) []byte { return c.Body }),
		column(batch, func(c cb) int64 { return c.TruncatedFrom }),
		column(batch, func(c cb) string { return c.SourceIP }),
		column(batch, func(c cb) bool { return c.Verified }),
		column(batch, func(c cb) string { return c.VerifyReason }),
		column(batch, func(c cb) string { return c.DedupKey }),
		column(batch, func(c cb) bool { return c.Duplicate }),
		column(batch, func(c cb) *int64 { return c.DuplicateOf }),
		column(batch, func(c cb) string { return c.Refs }),
		column(batch, func(c cb) string { return c.Subject }),
		column(batch, func(c cb) int64 { return int64(c.ReplyStatus) }),
		column(batch, func(c cb) string { return c.ReplyBody }),
		column(batch, func(c cb) string { return string(c.Status) }),
	}
}

// column is one field of every callback in the group.
func column[T any](batch []*pendingCallback, field func(*models.Callback) T) []T {
	out := make([]T, len(batch))
	for i, p := range batch {
		out[i] = field(p.cb)
	}
	return out
}

// pairStrings and pairIDs split (text, id) pairs into two arrays.
func pairStrings(pairs []any) []string {
	out := make([]string, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, pairs[i].(string))
	}
	return out
}

func pairIDs(pairs []any) []int64 {
	out := make([]int64, 0, len(pairs)/2)
	for i := 1; i < len(pairs); i += 2 {
		out = append(out, pairs[i].(int64))
	}
	return out
}
