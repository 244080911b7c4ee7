package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
)

// fillCallbacks inserts n synthetic callbacks spread over the last days,
// straight through SQL so large logs are quick to build.
func fillCallbacks(t testing.TB, s *Store, n int) {
	t.Helper()
	err := s.db.Write.Exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO callbacks (received_at, provider, kind, method, path, query, headers, body, source_ip, verified, verify_reason,
			dedup_key, duplicate, refs, reply_status, reply_body, status)
		SELECT `+sqlAgo(s, "(? - i) / 1000", "minutes")+`,
			CASE WHEN i % 100 = 0 THEN 'oy' WHEN i % 3 = 0 THEN 'faspay' WHEN i % 3 = 1 THEN 'doku' ELSE 'ayopop' END,
			CASE WHEN i % 100 = 0 THEN 'disbursement' WHEN i % 3 = 0 THEN 'payment-notification' WHEN i % 3 = 1 THEN 'debit-notify' ELSE 'topup' END,
			'POST', '/callbacks/x', '', '{}', `+blobOf(s, `'{"partner_trx_id":"P-' || i || '"}'`)+`, '127.0.0.1',
			CASE WHEN i % 50 = 0 THEN `+s.d.False+` ELSE `+s.d.True+` END, 'synthetic', 'k-' || i, CASE WHEN i % 97 = 0 THEN `+s.d.True+` ELSE `+s.d.False+` END,
			'P-' || i, 200, '{}',
			CASE WHEN i % 50 = 0 THEN 'rejected' WHEN i % 7 = 0 THEN 'applied' ELSE 'unmatched' END
		FROM seq`, n, n).Error
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Write.Exec(`INSERT INTO callback_refs (ref, callback_id) SELECT refs, id FROM callbacks`).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Write.Exec(`ANALYZE`).Error; err != nil {
		t.Fatal(err)
	}
}

// Every filter of the callback log must be served by an index, walking
// rows newest first without sorting the matching set. The synthetic log
// makes OY rare (1%), so its filter must not scan the whole table.
func TestCallbackLogQueriesUseIndexes(t *testing.T) {
	s := newStore(t)
	fillCallbacks(t, s, 5000)
	no := false
	cases := map[string]struct {
		f    CallbackFilter
		want string
	}{
		"no filter":       {CallbackFilter{}, "SCAN callbacks"},
		"provider":        {CallbackFilter{Provider: "oy"}, "USING INDEX callbacks_provider"},
		"provider+kind":   {CallbackFilter{Provider: "oy", Kind: "disbursement"}, "USING INDEX callbacks_kind"},
		"status":          {CallbackFilter{Status: models.CallbackUnmatched}, "USING INDEX callbacks_status"},
		"not verified":    {CallbackFilter{Verified: &no}, "USING INDEX callbacks_unverified"},
		"duplicates only": {CallbackFilter{Duplicate: true}, "USING INDEX callbacks_duplicates"},
		"reference":       {CallbackFilter{Ref: "P-42"}, "callback_refs"},
		"common prefix":   {CallbackFilter{Ref: "P-", refWalk: true}, "SCAN callbacks"},
		"common + status": {CallbackFilter{Ref: "P-", refWalk: true, Status: models.CallbackApplied}, "USING INDEX callbacks_status"},
		"id range":        {CallbackFilter{minID: 10, maxID: 900}, "USING INTEGER PRIMARY KEY"},
		"date range":      {CallbackFilter{From: time.Now().Add(-time.Hour), To: time.Now(), minID: 4000, maxID: 9000}, "USING INTEGER PRIMARY KEY"},
		"next page":       {CallbackFilter{Provider: "oy", Cursor: Cursor{Before: 3000}}, "USING INDEX callbacks_provider"},
	}
	for name, c := range cases {
		plan := explain(t, s, s.CallbackListSQL(c.f, PageSize))
		if !strings.Contains(plan, c.want) {
			t.Errorf("%s: plan %q lacks %q", name, plan, c.want)
		}
		if strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: plan sorts the matching rows: %q", name, plan)
		}
	}
	// The date filter is resolved through the received_at index.
	if plan := explain(t, s, strings.Replace(boundID, "?", "'2026-01-01'", 1)); !strings.Contains(plan, "INDEX callbacks_received") {
		t.Errorf("date bound plan %q", plan)
	}
}

func explain(t testing.TB, s *Store, q string) string {
	t.Helper()
	dbtest.SkipOnPostgres(t, "asserts SQLite's query plans (EXPLAIN QUERY PLAN)")
	rows, err := s.db.ReadSQL().Query("EXPLAIN QUERY PLAN " + q)
	if err != nil {
		t.Fatalf("%v: %s", err, q)
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, detail)
	}
	return strings.Join(parts, " | ")
}

// BenchmarkCallbackListMillion times the callback log's first page and
// counts over 1,000,000 stored callbacks (go test -bench ListMillion
// -benchtime 20x ./internal/store/). It prints ms per page load.
func BenchmarkCallbackListMillion(b *testing.B) {
	s := newStoreB(b)
	fillCallbacks(b, s, 1_000_000)
	ctx := context.Background()
	no := false
	filters := map[string]CallbackFilter{
		"all": {}, "provider": {Provider: "oy"}, "status": {Status: models.CallbackApplied}, "unverified": {Verified: &no},
		"ref": {Ref: "P-123456"}, "today": {From: time.Now().UTC().Add(-2 * time.Hour)},
	}
	for name, f := range filters {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.ListCallbacks(ctx, f, PageSize); err != nil {
					b.Fatal(err)
				}
				if _, _, err := s.CallbackStatusCounts(ctx, f, 10000); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
		})
	}
}

// sqlAgo is SQL for the time expr units (minutes, days) before now, in the
// test database's dialect, for fixtures built straight in SQL.
func sqlAgo(s *Store, expr, unit string) string {
	if s.d.pg {
		return "(now() - (" + expr + ") * interval '1 " + strings.TrimSuffix(unit, "s") + "')"
	}
	return "datetime('now', '-' || (" + expr + ") || ' " + unit + "')"
}

// blobOf is a text expression as a BLOB (SQLite takes text; bytea is not).
func blobOf(s *Store, expr string) string {
	if s.d.pg {
		return "convert_to(" + expr + ", 'UTF8')"
	}
	return expr
}
