package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"backoffice/internal/auth"
	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
)

// sqliteStore opens a migrated SQLite store in t's directory, whatever
// database the suite runs on: it is the source of a copy.
func sqliteStore(t *testing.T) *Store {
	t.Helper()
	d, err := db.Open(filepath.Join(t.TempDir(), "source.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s := New(d)
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// postgresTarget opens an empty, unmigrated PostgreSQL schema, or skips
// when the suite runs on SQLite (a copy needs both databases).
func postgresTarget(t *testing.T) *Store {
	t.Helper()
	if !dbtest.Postgres() {
		t.Skip("needs PostgreSQL: set " + dbtest.EnvVar)
	}
	d := dbtest.Open(t, "target")
	t.Cleanup(func() { d.Close() })
	return New(d)
}

// seedEverything fills a SQLite store the way the dashboard does: users,
// sessions, sign-in attempts, a batch with its transfers and approvals,
// callbacks with their refs, top-ups, a VA and its payments, checkouts
// (payment links and invoices), OVO accounts and payments, settings and
// audit entries.
func seedEverything(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	seedFlow(t, s)
	approvedBatch(t, s)
	fillCallbacks(t, s, 300)
	fillTopups(t, s, 20)
	stageVA(t, s)
	u, err := s.UserByEmail(ctx, "maker@example.co.id")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := s.db.Write.Create(&models.Session{TokenHash: "h1", UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}).Error; err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ReserveLoginAttempt(ctx, "maker@example.co.id", "192.0.2.7", now,
		func(auth.AttemptCounts, time.Time) time.Duration { return 0 }); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Write.Exec("INSERT INTO settings (key, value, updated_at) VALUES ('copy-test', 'yes', ?)", now).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Write.Exec(`INSERT INTO callback_attempts (callback_id, at, outcome, detail) VALUES (1, ?, 'applied', 'test')`, now).Error; err != nil {
		t.Fatal(err)
	}
	// The tables no helper above reaches get a row each, so every table
	// (and so every column type) goes through the copy.
	var disbID, topupID, checkoutID int64
	s.db.Read.Raw("SELECT min(id) FROM disbursements").Scan(&disbID)
	s.db.Read.Raw("SELECT min(id) FROM topups").Scan(&topupID)
	s.db.Read.Raw("SELECT min(id) FROM checkouts").Scan(&checkoutID)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO ayopop_balance_readings (at, balance) VALUES (?, 1500000)", []any{now}},
		{"INSERT INTO balance_readings (at, balance, overdraft, overbooking, pending, available) VALUES (?, 9000000, 0, 0, 10000, 8990000)", []any{now}},
		{"INSERT INTO callback_counters (name, value) VALUES ('legacy', 3)", nil},
		{"INSERT INTO callback_keys (dedup_key, callback_id) VALUES ('k-1', 1)", nil},
		{"INSERT INTO callback_refusals (day, what, provider, kind, n) VALUES ('2026-12-02', 'oversize', 'oy', 'va', 2)", nil},
		{`INSERT INTO change_requests (kind, subject, summary, status, requested_by_id, requested_by_email, requested_at)
			VALUES ('role', 'x', 'y', 'pending', ?, ?, ?)`, []any{u.ID, u.Email, now}},
		{"INSERT INTO checkout_events (checkout_id, at, source) VALUES (?, ?, 'callback')", []any{checkoutID, now}},
		{"INSERT INTO disbursement_approvals (disbursement_id, user_id, user_email, decision, at) VALUES (?, ?, ?, 'reject', ?)", []any{disbID, u.ID, u.Email, now}},
		{`INSERT INTO disbursement_drafts (key, user_id, recipient_bank, recipient_account, recipient_name, amount, partner_trx_id, created_at)
			VALUES ('d-1', ?, '014', '123', 'N', 5000, 'P-D1', ?)`, []any{u.ID, now}},
		{"INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, 'hash', ?)", []any{u.ID, now}},
		{`INSERT INTO recurring_invoices (status, template_json, start_date, created_at, updated_at) VALUES ('active', '{}', '2026-12-01', ?, ?)`, []any{now, now}},
		{"INSERT INTO topup_approvals (topup_id, user_id, user_email, decision, at) VALUES (?, ?, ?, 'approve', ?)", []any{topupID, u.ID, u.Email, now}},
		{`INSERT INTO topup_drafts (key, user_id, phone, product_code, amount, inquiry_id, ref_number, created_at)
			VALUES ('t-1', ?, '62811', 'OVO50', 50000, 9, 'R-T1', ?)`, []any{u.ID, now}},
		{"INSERT INTO topup_events (topup_id, at, source, to_status) VALUES (?, ?, 'poll', 'success')", []any{topupID, now}},
		{`INSERT INTO va_creates (key, status, partner_user_id, bank_code, params, created_at, updated_at)
			VALUES ('v-1', 'created', 'c-2', '002', '{}', ?, ?)`, []any{now, now}},
		{"INSERT INTO va_sync_runs (started_at) VALUES (?)", []any{now}},
	} {
		if err := s.db.Write.Exec(q.sql, q.args...).Error; err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	// A processed callback, then its status moved: the day counters hold a
	// zero that PostgreSQL's triggers never make.
	if err := s.db.Write.Exec(`UPDATE callbacks SET status = 'applied' WHERE id = 2`).Error; err != nil {
		t.Fatal(err)
	}
}

func tableRows(t *testing.T, s *Store, table string) int64 {
	t.Helper()
	var n int64
	if err := s.db.Read.Raw("SELECT count(*) FROM " + quoteIdent(table)).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A SQLite database seeded through the store is copied whole: every table
// of the schema is in the report with the same rows on both sides, ids and
// values survive the type changes, new ids follow the copied ones, the
// audit log stays append-only, and a second copy is refused with nothing
// written.
func TestCopySQLiteToPostgres(t *testing.T) {
	ctx := context.Background()
	dst := postgresTarget(t)
	src := sqliteStore(t)
	seedEverything(t, src)
	if _, err := dst.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	counts, err := dst.CopyFrom(ctx, src, CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The report covers every table of the schema but the bookkeeping.
	tables, err := tableNames(ctx, sqlReader{src.db.ReadSQL()}, sqliteDialect)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]CopyCount{}
	for _, c := range counts {
		got[c.Table] = c
	}
	for _, tb := range tables {
		c, ok := got[tb]
		if copySkipped[tb] {
			if ok {
				t.Errorf("%s copied; the target fills it itself", tb)
			}
			continue
		}
		if !ok {
			t.Errorf("table %s is not in the copy", tb)
			continue
		}
		if c.Source != c.Target {
			t.Errorf("%s: %d rows in SQLite, %d in PostgreSQL", tb, c.Source, c.Target)
		}
		if !c.Derived && tableRows(t, dst, tb) != tableRows(t, src, tb) {
			t.Errorf("%s: rows differ after the copy", tb)
		}
	}
	if len(counts) != len(tables)-len(copySkipped) {
		t.Errorf("%d tables copied, the schema has %d besides %v", len(counts), len(tables)-len(copySkipped), copySkipped)
	}
	// The seed reached every table: a copy of empty tables would prove
	// little. A table added later needs a row in seedEverything.
	for _, c := range counts {
		if c.Target == 0 {
			t.Errorf("%s: the seed left it empty; give it a row in seedEverything", c.Table)
		}
	}

	// A few rows compared value by value.
	var su, du models.User
	if err := src.db.Read.Where("email = ?", "maker@example.co.id").First(&su).Error; err != nil {
		t.Fatal(err)
	}
	if err := dst.db.Read.Where("id = ?", su.ID).First(&du).Error; err != nil {
		t.Fatal(err)
	}
	if du.Email != su.Email || du.Role != su.Role || du.Disabled != su.Disabled || !du.CreatedAt.Equal(su.CreatedAt.Truncate(time.Microsecond)) {
		t.Errorf("user differs: %+v against %+v", du, su)
	}
	var sd, dd []models.Disbursement
	src.db.Read.Order("id").Find(&sd)
	dst.db.Read.Order("id").Find(&dd)
	if len(sd) == 0 || len(sd) != len(dd) {
		t.Fatalf("disbursements: %d against %d", len(dd), len(sd))
	}
	for i := range sd {
		a, b := sd[i], dd[i]
		if a.ID != b.ID || a.Amount != b.Amount || a.Status != b.Status || a.PartnerTrxID != b.PartnerTrxID ||
			!b.CreatedAt.Equal(a.CreatedAt.Truncate(time.Microsecond)) || (a.BatchID == nil) != (b.BatchID == nil) {
			t.Errorf("disbursement %d differs: %+v against %+v", a.ID, b, a)
		}
	}
	var sc, dc models.Callback
	src.db.Read.Where("verified = ?", false).Order("id").First(&sc)
	dst.db.Read.Where("id = ?", sc.ID).First(&dc)
	if sc.ID == 0 || dc.Verified || !bytes.Equal(dc.Body, sc.Body) || dc.Status != sc.Status || dc.Duplicate != sc.Duplicate {
		t.Errorf("callback %d differs: %+v against %+v", sc.ID, dc, sc)
	}

	// New rows take ids after the copied ones.
	var maxUser int64
	dst.db.Read.Raw("SELECT max(id) FROM users").Scan(&maxUser)
	nu := &models.User{Email: "after@example.co.id", Name: "After", Role: models.RoleAuditor, PasswordHash: "x"}
	if err := dst.CreateUser(ctx, nu); err != nil || nu.ID != maxUser+1 {
		t.Fatalf("new user id %d (err %v), want %d", nu.ID, err, maxUser+1)
	}
	// The audit log is still append-only on the target.
	if err := dst.db.Write.Exec("UPDATE audit_entries SET summary = 'changed'").Error; err == nil {
		t.Error("an audit entry was changed after the copy")
	}

	// A second copy finds rows and writes nothing.
	before := tableRows(t, dst, "audit_entries")
	if _, err := dst.CopyFrom(ctx, src, CopyOptions{}); !errors.Is(err, ErrTargetNotEmpty) {
		t.Fatalf("second copy: %v, want ErrTargetNotEmpty", err)
	}
	full, err := dst.NonEmptyTables(ctx)
	if err != nil || len(full) == 0 {
		t.Fatalf("non-empty tables: %v %v", full, err)
	}
	if tableRows(t, dst, "audit_entries") != before || tableRows(t, dst, "users") != maxUser+1 {
		t.Error("the refused copy wrote rows")
	}
}

// A table added to the schema is copied without the copy code knowing its
// name; a table only one side has stops the copy before it writes.
func TestCopyFollowsTheSchema(t *testing.T) {
	ctx := context.Background()
	dst := postgresTarget(t)
	src := sqliteStore(t)
	if _, err := dst.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	src.db.Write.Exec("CREATE TABLE later_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL, done INTEGER NOT NULL, at DATETIME NOT NULL)")
	if _, err := dst.CopyFrom(ctx, src, CopyOptions{}); err == nil {
		t.Fatal("copied although later_notes is missing in PostgreSQL")
	}
	if full, _ := dst.NonEmptyTables(ctx); len(full) != 0 {
		t.Fatalf("a refused copy wrote %v", full)
	}
	if err := dst.db.Write.Exec("CREATE TABLE later_notes (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, note text NOT NULL, done boolean NOT NULL, at timestamptz NOT NULL)").Error; err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	if err := src.db.Write.Exec("INSERT INTO later_notes (id, note, done, at) VALUES (41, 'kept', 1, ?)", at).Error; err != nil {
		t.Fatal(err)
	}
	counts, err := dst.CopyFrom(ctx, src, CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range counts {
		found = found || (c.Table == "later_notes" && c.Source == 1 && c.Target == 1)
	}
	if !found {
		t.Fatalf("later_notes not in the copy: %+v", counts)
	}
	var row struct {
		Note string
		Done bool
		At   time.Time
	}
	if err := dst.db.Read.Raw("SELECT note, done, at FROM later_notes WHERE id = 41").Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.Note != "kept" || !row.Done || !row.At.Equal(at) {
		t.Fatalf("later_notes row: %+v", row)
	}
	var next int64
	dst.db.Write.Raw("INSERT INTO later_notes (note, done, at) VALUES ('next', false, now()) RETURNING id").Scan(&next)
	if next != 42 {
		t.Fatalf("next id %d, want 42", next)
	}
}

// SQLite's loose values become PostgreSQL's types exactly, or not at all.
func TestConvertValue(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
	for _, c := range []struct {
		in     any
		pgType string
		want   any
	}{
		{int64(1), "boolean", true},
		{int64(0), "boolean", false},
		{int64(42), "bigint", int64(42)},
		{float64(7), "bigint", int64(7)},
		{"12", "bigint", int64(12)},
		{at, "timestamp with time zone", at},
		{"2026-01-02 03:04:05.6+00:00", "timestamp with time zone", at},
		{"2026-01-02 10:04:05.6+07:00", "timestamp with time zone", at},
		{"2026-01-02T03:04:05.6Z", "timestamp with time zone", at},
		{[]byte("abc"), "text", "abc"},
		{int64(5), "text", "5"},
		{"raw", "bytea", []byte("raw")},
		{nil, "bigint", nil},
	} {
		got, err := convertValue(c.in, c.pgType)
		if err != nil {
			t.Errorf("%v → %s: %v", c.in, c.pgType, err)
			continue
		}
		switch w := c.want.(type) {
		case time.Time:
			if g, ok := got.(time.Time); !ok || !g.Equal(w) {
				t.Errorf("%v → %s = %v, want %v", c.in, c.pgType, got, w)
			}
		case []byte:
			if g, ok := got.([]byte); !ok || !bytes.Equal(g, w) {
				t.Errorf("%v → %s = %v, want %v", c.in, c.pgType, got, w)
			}
		default:
			if got != c.want {
				t.Errorf("%v → %s = %#v, want %#v", c.in, c.pgType, got, c.want)
			}
		}
	}
	for _, c := range []struct {
		in     any
		pgType string
	}{
		{int64(2), "boolean"},
		{float64(1.5), "bigint"},
		{"yesterday", "timestamp with time zone"},
		{"12x", "bigint"},
		{int64(1), "numeric"},
	} {
		if got, err := convertValue(c.in, c.pgType); err == nil {
			t.Errorf("%v → %s = %v, want an error", c.in, c.pgType, got)
		}
	}
}
