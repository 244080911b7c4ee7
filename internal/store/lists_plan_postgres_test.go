package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
	"backoffice/internal/wib"
)

// PostgreSQL's plans for the list pages (docs/postgres.md, "List pages at
// 1,000,000 rows"): on a seeded, analysed schema every page's main
// queries walk an index, sort nothing and read about what they show,
// whatever the filter. The SQLite plans are TestCallbackLogQueriesUseIndexes
// and TestListQueriesUseIndexes.

// plannedRows is how many rows a seeded table holds here: enough that a
// walk of the whole table is far more than a page reads.
const plannedRows = 50_000

// bigTables are the tables no page may scan or sort.
var bigTables = map[string]bool{"callbacks": true, "callback_refs": true, "disbursements": true, "audit_entries": true}

// fillListsPostgres seeds the bench-lists data (cmd/bench-lists), n rows
// of each list, with generate_series, then VACUUM ANALYZE.
func fillListsPostgres(t *testing.T, s *Store, n int) {
	t.Helper()
	w := s.db.Write
	now := time.Now().UTC()
	for _, email := range []string{"finance1@example.com", "finance2@example.com", "finance3@example.com"} {
		if err := w.Create(&models.User{Email: email, Name: email, Role: models.RoleFinance, PasswordHash: "x",
			CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
	}
	ago := fmt.Sprintf("t0 - make_interval(secs => floor((%d - i) * %d.0 / %d))", n, 90*24*3600, n)
	from := fmt.Sprintf("FROM generate_series(1::bigint, %d) AS i CROSS JOIN (SELECT date_trunc('second', now()) AS t0) AS t ORDER BY i", n)
	for _, q := range []string{
		`INSERT INTO callbacks (received_at, provider, kind, method, path, body, source_ip, verified, verify_reason, dedup_key, duplicate, refs,
			reply_status, status, attempts, processed_at)
		SELECT ` + ago + `,
			CASE WHEN i % 100 = 0 THEN 'oy' WHEN i % 3 = 0 THEN 'faspay' WHEN i % 3 = 1 THEN 'doku' ELSE 'ayopop' END,
			CASE WHEN i % 100 = 0 THEN 'disbursement' WHEN i % 3 = 0 THEN 'payment-notification' WHEN i % 3 = 1 THEN 'debit-notify' ELSE 'topup' END,
			'POST', '/callbacks/x', convert_to('{}', 'UTF8'), '10.0.0.1', i % 50 <> 0, '', 'k-' || i, i % 97 = 0,
			'P-' || i || ' 8808' || lpad(i::text, 8, '0'), 200,
			CASE WHEN i % 50 = 0 THEN 'rejected' WHEN i % 97 = 0 THEN 'duplicate' WHEN i % 7 = 0 THEN 'applied' ELSE 'unmatched' END, 1, t0
		` + from,
		`INSERT INTO callback_refs (ref, callback_id) SELECT 'P-' || id, id FROM callbacks UNION ALL SELECT '8808' || lpad(id::text, 8, '0'), id FROM callbacks`,
		`INSERT INTO disbursements (partner_trx_id, recipient_bank, recipient_account, recipient_name, amount, status, maker_id, maker_email,
			created_at, updated_at, trx_id, batch_id)
		SELECT 'PTX-' || lpad(i::text, 7, '0'),
			CASE i % 10 WHEN 0 THEN '014' WHEN 1 THEN '002' WHEN 2 THEN '008' WHEN 3 THEN '009' WHEN 4 THEN '013' ELSE 'ovo' END,
			'00' || lpad(((i * 7919) % 100000000)::text, 8, '0'),
			CASE i % 5 WHEN 0 THEN 'Budi Santoso' WHEN 1 THEN 'Siti Rahma' ELSE 'PT Maju Jaya' END || ' ' || (i % 1000),
			10000 + (i * 104729) % 20000000,
			CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 50 = 1 THEN 'waiting_approval' WHEN i % 97 = 0 THEN 'rejected' ELSE 'success' END,
			(SELECT min(id) FROM users) + i % 3, 'finance' || (1 + i % 3) || '@example.com', ` + ago + `, t0, 'T' || i,
			CASE WHEN i % 10 = 0 THEN 1 + (i / 1000) % 20 END
		` + from,
		`INSERT INTO audit_entries (at, actor_email, action, object_type, object_id, summary, ip, request_id)
		SELECT ` + ago + `, 'finance' || (1 + i % 3) || '@example.com',
			CASE i % 6 WHEN 0 THEN 'login.ok' WHEN 1 THEN 'disbursement.create' WHEN 2 THEN 'disbursement.approve'
				WHEN 3 THEN 'callback.replay' WHEN 4 THEN 'settings.update' ELSE 'disbursement.export' END,
			'disbursement', '' || i, 'changed partner ' || i || ' from a to b', '10.1.0.1', 'req-' || i
		` + from,
		`VACUUM (ANALYZE) callbacks, callback_refs, disbursements, audit_entries, callback_day_counts, disbursement_day_counts`,
	} {
		if err := w.Exec(q).Error; err != nil {
			t.Fatalf("%v: %.200s", err, q)
		}
	}
}

// planNode is one node of EXPLAIN (ANALYZE, FORMAT JSON).
type planNode struct {
	NodeType       string     `json:"Node Type"`
	Relation       string     `json:"Relation Name"`
	Index          string     `json:"Index Name"`
	ActualRows     float64    `json:"Actual Rows"`
	Loops          float64    `json:"Actual Loops"`
	RemovedFilter  float64    `json:"Rows Removed by Filter"`
	RemovedRecheck float64    `json:"Rows Removed by Index Recheck"`
	Plans          []planNode `json:"Plans"`
}

// plan is what a statement did: its nodes, and the rows it read from the
// big tables (returned or filtered out by each scan, over every loop).
type plan struct {
	nodes []planNode
	read  float64
	text  []string
}

func (p plan) String() string { return strings.Join(p.text, " | ") }

// uses reports whether a node scans index (or, for "", any index of a big
// table).
func (p plan) uses(index string) bool {
	for _, n := range p.nodes {
		if strings.Contains(n.NodeType, "Index") && n.Index != "" && (n.Index == index || index == "" && bigTables[n.Relation]) {
			return true
		}
	}
	return false
}

func (p plan) has(nodeType string) bool {
	for _, n := range p.nodes {
		if n.NodeType == nodeType {
			return true
		}
	}
	return false
}

// explainPostgres runs q under EXPLAIN (ANALYZE, FORMAT JSON).
func explainPostgres(t *testing.T, s *Store, q string) plan {
	t.Helper()
	var raw string
	if err := s.db.ReadSQL().QueryRow("EXPLAIN (ANALYZE, FORMAT JSON) " + q).Scan(&raw); err != nil {
		t.Fatalf("%v: %s", err, q)
	}
	var out []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(raw), &out); err != nil || len(out) != 1 {
		t.Fatalf("explain output %q: %v", raw, err)
	}
	var p plan
	var walk func(n planNode)
	walk = func(n planNode) {
		p.nodes = append(p.nodes, n)
		label := n.NodeType
		if n.Relation != "" {
			label += " on " + n.Relation
		}
		if n.Index != "" {
			label += " using " + n.Index
		}
		p.text = append(p.text, fmt.Sprintf("%s (%.0f rows x %.0f)", label, n.ActualRows, n.Loops))
		if bigTables[n.Relation] {
			p.read += (n.ActualRows + n.RemovedFilter + n.RemovedRecheck) * n.Loops
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(out[0].Plan)
	return p
}

func TestListPlansOnPostgres(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("PostgreSQL only: asserts PostgreSQL's query plans (EXPLAIN (FORMAT JSON)); SQLite's are TestListQueriesUseIndexes")
	}
	s := newStore(t)
	ctx := context.Background()
	// The plans below are planned for their values, as the list pool's
	// prepared statements are (internal/db): a generic plan counted a
	// reference prefix by scanning the whole table. The rest of the
	// dashboard keeps PostgreSQL's default (planning every statement of
	// the callback path doubled PostgreSQL's CPU per callback).
	var mode, other string
	lists, _ := s.db.Lists.DB()
	if err := lists.QueryRow("SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "force_custom_plan" {
		t.Fatalf("list pool: plan_cache_mode = %q (%v), want force_custom_plan", mode, err)
	}
	if err := s.db.ReadSQL().QueryRow("SHOW plan_cache_mode").Scan(&other); err != nil || other != "auto" {
		t.Fatalf("primary pool: plan_cache_mode = %q (%v), want auto", other, err)
	}
	fillListsPostgres(t, s, plannedRows)
	var mid struct{ C, D, A int64 }
	s.db.Read.Raw("SELECT max(id) / 2 FROM callbacks").Scan(&mid.C)
	s.db.Read.Raw("SELECT max(id) / 2 FROM disbursements").Scan(&mid.D)
	s.db.Read.Raw("SELECT max(id) / 2 FROM audit_entries").Scan(&mid.A)
	today := wib.StartOfDay(time.Now())
	from, to := today.AddDate(0, 0, -6), today.AddDate(0, 0, 1)
	no := false
	// A page reads at most this many rows of the big tables (it shows 50).
	const pageBudget = 1500

	// page checks one page statement: an index walk of a big table, no
	// sort, no sequential scan, about a page of rows read; want, when
	// set, is an index the plan must use.
	page := func(name, q, want string) {
		t.Helper()
		p := explainPostgres(t, s, q)
		switch {
		case p.has("Seq Scan"):
			t.Errorf("%s: sequential scan: %s", name, p)
		case p.has("Sort") || p.has("Incremental Sort"):
			t.Errorf("%s: sorts the matching rows: %s", name, p)
		case !p.uses(""):
			t.Errorf("%s: no index of a list table: %s", name, p)
		case want != "" && !p.uses(want):
			t.Errorf("%s: does not use %s: %s", name, want, p)
		case p.read > pageBudget:
			t.Errorf("%s: read %.0f rows for one page (budget %d): %s", name, p.read, pageBudget, p)
		}
	}

	for name, c := range map[string]struct {
		f    CallbackFilter
		want string
	}{
		"unfiltered":               {CallbackFilter{}, "callbacks_pkey"},
		"provider":                 {CallbackFilter{Provider: "oy"}, "callbacks_provider"},
		"type":                     {CallbackFilter{Kind: "topup"}, ""},
		"processing status":        {CallbackFilter{Status: models.CallbackApplied}, ""},
		"rare status":              {CallbackFilter{Status: models.CallbackRejected}, ""},
		"not verified":             {CallbackFilter{Verified: &no}, "callbacks_unverified"},
		"duplicates":               {CallbackFilter{Duplicate: true}, "callbacks_duplicates"},
		"old reference prefix":     {CallbackFilter{Ref: "880800012"}, "callback_refs_pkey"},
		"reference":                {CallbackFilter{Ref: "P-4242"}, "callback_refs_pkey"},
		"reference + status":       {CallbackFilter{Ref: "880800012", Status: models.CallbackApplied}, "callback_refs_pkey"},
		"short prefix (walked)":    {CallbackFilter{Ref: "8808"}, "callbacks_pkey"},
		"7 days":                   {CallbackFilter{From: from, To: to}, "callbacks_pkey"},
		"7 days + provider":        {CallbackFilter{Provider: "faspay", From: from, To: to}, ""},
		"deep page":                {CallbackFilter{Cursor: Cursor{Before: mid.C}}, "callbacks_pkey"},
		"deep page + type":         {CallbackFilter{Kind: "debit-notify", Cursor: Cursor{Before: mid.C}}, ""},
		"newer page + provider":    {CallbackFilter{Provider: "oy", Cursor: Cursor{After: mid.C}}, "callbacks_provider"},
		"deep page + rare + older": {CallbackFilter{Provider: "oy", Cursor: Cursor{Before: mid.C}}, "callbacks_provider"},
	} {
		f := c.f
		if ok, err := s.resolveDates(ctx, &f); err != nil || !ok {
			t.Fatalf("callbacks %s: resolve %v %v", name, ok, err)
		}
		page("callbacks "+name, s.CallbackListSQL(f, PageSize), c.want)
		if f.Ref != "" && !f.refWalk {
			// The status chips of a reference search count its matches
			// (fewer than refWalkAt) through callback_refs, not the log.
			sub := s.db.Read.ToSQL(func(tx *gorm.DB) *gorm.DB {
				var rows []models.Callback
				return f.apply(tx.Model(&models.Callback{}).Select("status")).Order("id DESC").Limit(CountCap).Find(&rows)
			})
			p := explainPostgres(t, s, "SELECT status, count(*) FROM ("+sub+") AS c GROUP BY status")
			if p.has("Seq Scan") || !p.uses("callback_refs_pkey") || p.read > 2*refWalkAt {
				t.Errorf("callbacks %s: counts read %.0f rows: %s", name, p.read, p)
			}
		}
	}
	// The queue (pending callbacks, left out of the day counters) is
	// counted along the status index whatever the other filters.
	yes := true
	for _, f := range []CallbackFilter{{}, {Kind: "topup"}, {Provider: "oy", Verified: &yes}, {minID: 10, maxID: 900}} {
		p := explainPostgres(t, s, s.PendingCountSQL(f, CountCap))
		if !p.uses("callbacks_status") || p.has("Seq Scan") || p.read > pageBudget {
			t.Errorf("pending count %+v: %s", f, p)
		}
	}
	// A date filter is resolved to ids through the time index, from the date on.
	for table, col := range map[string]string{"callbacks": "received_at", "disbursements": "created_at", "audit_entries": "at"} {
		q := fmt.Sprintf("SELECT min(id) FROM (SELECT id FROM %s WHERE %s >= '%s' ORDER BY %s LIMIT 4096) AS b", table, col, from.UTC().Format(time.RFC3339), col)
		if p := explainPostgres(t, s, q); p.has("Seq Scan") || p.has("Sort") || !p.uses("") {
			t.Errorf("%s date bound: %s", table, p)
		}
	}

	for name, c := range map[string]struct {
		f    DisbursementFilter
		want string
	}{
		"unfiltered":            {DisbursementFilter{}, "disbursements_pkey"},
		"status":                {DisbursementFilter{Status: models.DisbFailed}, ""},
		"rare status":           {DisbursementFilter{Status: models.DisbRejected}, ""},
		"bank":                  {DisbursementFilter{Bank: "014"}, ""},
		"maker":                 {DisbursementFilter{MakerID: 2}, ""},
		"amount range":          {DisbursementFilter{MinAmount: 1_000_000, MaxAmount: 5_000_000}, ""},
		"reference prefix":      {DisbursementFilter{Q: "PTX-0001"}, "disbursements_partner_trx_id_key"},
		"account prefix":        {DisbursementFilter{Q: "0012"}, "disbursements_account"},
		"short prefix (walked)": {DisbursementFilter{Q: "00"}, "disbursements_pkey"},
		"name":                  {DisbursementFilter{Q: "santoso"}, "disbursements_pkey"},
		"batch":                 {DisbursementFilter{BatchID: 3}, "disbursements_batch"},
		"7 days":                {DisbursementFilter{From: from, To: to}, "disbursements_pkey"},
		"deep page":             {DisbursementFilter{Cursor: Cursor{Before: mid.D}}, "disbursements_pkey"},
		"deep page + status":    {DisbursementFilter{Status: models.DisbSuccess, Cursor: Cursor{Before: mid.D}}, ""},
		"newer page + bank":     {DisbursementFilter{Bank: "014", Cursor: Cursor{After: mid.D}}, ""},
	} {
		q, err := s.DisbursementListSQL(ctx, c.f, PageSize)
		if err != nil {
			t.Fatal(err)
		}
		page("disbursements "+name, q, c.want)
	}
	// Totals a page counts over the rows (the counters do not serve them):
	// a rare reference prefix through its indexes, an amount range along
	// the amount index.
	for name, f := range map[string]DisbursementFilter{
		"reference prefix": {Q: "PTX-0001"},
		"account prefix":   {Q: "0012"},
		"amount range":     {MinAmount: 1_000_000, MaxAmount: 1_100_000},
	} {
		if _, err := s.resolveDisbursementDates(ctx, &f); err != nil {
			t.Fatal(err)
		}
		if f.refWalk {
			t.Fatalf("disbursement totals %s: %d rows would be walked", name, plannedRows)
		}
		p := explainPostgres(t, s, s.DisbursementCountSQL(f))
		if p.has("Seq Scan") || !p.uses("") || p.read > 2*refWalkAt+CountCap/10 {
			t.Errorf("disbursement totals %s: read %.0f rows: %s", name, p.read, p)
		}
	}

	for name, c := range map[string]struct {
		f    AuditFilter
		want string
	}{
		"unfiltered":  {AuditFilter{}, "audit_entries_pkey"},
		"action":      {AuditFilter{Action: "disbursement.approve"}, ""},
		"actor":       {AuditFilter{Actor: "Finance2@example.com"}, ""},
		"free text":   {AuditFilter{Q: "partner"}, "audit_entries_pkey"},
		"7 days":      {AuditFilter{From: from, To: to}, "audit_entries_pkey"},
		"deep page":   {AuditFilter{Cursor: Cursor{Before: mid.A}}, "audit_entries_pkey"},
		"deep action": {AuditFilter{Action: "login.ok", Cursor: Cursor{Before: mid.A}}, ""},
	} {
		q, err := s.AuditListSQL(ctx, c.f, PageSize)
		if err != nil {
			t.Fatal(err)
		}
		page("audit "+name, q, c.want)
	}
	// The action filter's choices hop along the action index.
	if p := explainPostgres(t, s, `WITH RECURSIVE a(action) AS (
		SELECT min(action) FROM audit_entries
		UNION ALL SELECT (SELECT min(action) FROM audit_entries WHERE action > a.action) FROM a WHERE a.action IS NOT NULL)
		SELECT action FROM a WHERE action IS NOT NULL`); p.has("Seq Scan") || p.read > 100 {
		t.Errorf("audit actions read %.0f rows: %s", p.read, p)
	}
}
