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
	reserveIDsSQL   = "SELECT nextval($1::regclass) FROM generate_series(1, $2)"
	knownKeysSQL    = "SELECT dedup_key, callback_id FROM callback_keys WHERE dedup_key = ANY($1::text[])"
	insertKeysSQL   = "INSERT INTO callback_keys (dedup_key, callback_id) SELECT * FROM unnest($1::text[], $2::bigint[])"
	insertRefsSQL   = "INSERT INTO callback_refs (ref, callback_id) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING"
	insertGroupSQL  = "INSERT INTO callbacks (" + callbackColumns + ") SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bytea[], $10::bigint[], $11::text[], $12::boolean[], $13::text[], $14::text[], $15::boolean[], $16::bigint[], $17::text[], $18::text[], $19::bigint[], $20::text[], $21::text[])"
	groupStatements = 3
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
	n := len(batch)
	var (
		id, truncated, replyStatus                                                             = make([]int64, n), make([]int64, n), make([]int64, n)
		received                                                                               = make([]time.Time, n)
		provider, kind, method, path, query, headers, sourceIP, reason, key, refsText, subject = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		replyBody, status                                                                      = make([]string, n), make([]string, n)
		body                                                                                   = make([][]byte, n)
		verified, duplicate                                                                    = make([]bool, n), make([]bool, n)
		duplicateOf                                                                            = make([]*int64, n)
	)
	for i, p := range batch {
		cb := p.cb
		id[i], received[i], provider[i], kind[i], method[i], path[i] = cb.ID, cb.ReceivedAt.UTC(), cb.Provider, cb.Kind, cb.Method, cb.Path
		query[i], headers[i], body[i], truncated[i], sourceIP[i] = cb.Query, cb.Headers, cb.Body, cb.TruncatedFrom, cb.SourceIP
		verified[i], reason[i], key[i], duplicate[i], duplicateOf[i] = cb.Verified, cb.VerifyReason, cb.DedupKey, cb.Duplicate, cb.DuplicateOf
		refsText[i], subject[i], replyStatus[i], replyBody[i], status[i] = cb.Refs, cb.Subject, int64(cb.ReplyStatus), cb.ReplyBody, string(cb.Status)
	}
	write := &pgx.Batch{}
	write.Queue(insertGroupSQL, id, received, provider, kind, method, path, query, headers, body, truncated, sourceIP,
		verified, reason, key, duplicate, duplicateOf, refsText, subject, replyStatus, replyBody, status)
	write.Queue(insertKeysSQL, pairStrings(newKeys), pairIDs(newKeys))
	write.Queue(insertRefsSQL, pairStrings(refs), pairIDs(refs))
	br := c.SendBatch(ctx, write)
	for _, what := range [groupStatements]string{"callbacks", "callback keys", "callback refs"} {
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
