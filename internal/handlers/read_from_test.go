package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

// staleReplicaDB stands in for a streaming replica that is behind: a second
// schema, migrated, holding rows of its own. It returns its URL and a
// handle to stage those rows (the dashboard's replica handle only reads).
func staleReplicaDB(t *testing.T) (string, *db.DB) {
	t.Helper()
	u := dbtest.URL(t, "replica.db")
	d, err := db.Open(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := store.New(d).Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u, d
}

// stageRefCallback stores a callback carrying ref in d (id zero: the next).
func stageRefCallback(t *testing.T, d *db.DB, id int64, ref string) int64 {
	t.Helper()
	cb := &models.Callback{ID: id, ReceivedAt: time.Now().UTC(), Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement",
		Headers: "{}", Body: []byte("{}"), Verified: true, DedupKey: ref, Refs: ref, ReplyStatus: 200, Status: models.CallbackUnmatched}
	if err := d.Write.Create(cb).Error; err != nil {
		t.Fatal(err)
	}
	return cb.ID
}

// shows fails unless the page answered 200 and shows want but not other.
func shows(t *testing.T, who string, p page, want, other string) {
	t.Helper()
	if p.Status != http.StatusOK || !strings.Contains(p.Body, want) || strings.Contains(p.Body, other) {
		t.Fatalf("%s: status %d, shows %q: %v, shows %q: %v", who, p.Status, want, strings.Contains(p.Body, want), other, strings.Contains(p.Body, other))
	}
}

// With DATABASE_READ_URL, list pages and exports read the replica; a user
// who just changed something reads the primary for OwnChangesFor (their
// change is there), another user still reads the replica; record pages
// read the primary; a replica that goes down leaves list pages on the
// primary with no error page, and /readyz says so.
func TestListPagesReadTheReplicaAndOwnChangesThePrimary(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("DATABASE_READ_URL is a PostgreSQL streaming replica; there is none with SQLite")
	}
	a := newTestApp(t)
	replicaURL, stale := staleReplicaDB(t)
	onPrimary := stageRefCallback(t, a.db, 0, "PRIMARY-ONLY")
	onReplica := stageRefCallback(t, stale, 1_000_000, "REPLICA-ONLY")
	proxy, viaProxy := dbtest.NewProxy(t, replicaURL)
	if err := a.db.OpenReplica(viaProxy, slog.New(slog.NewJSONHandler(a.logs, nil))); err != nil {
		t.Fatal(err)
	}

	admin := a.signedIn(models.RoleAdmin)
	auditor := a.signedIn(models.RoleAuditor)
	a.clock.Advance(OwnChangesFor + time.Second) // signing in was their last change

	shows(t, "admin's callback log", admin.get("/callback-log"), "REPLICA-ONLY", "PRIMARY-ONLY")
	shows(t, "auditor's callback log", auditor.get("/callback-log"), "REPLICA-ONLY", "PRIMARY-ONLY")
	shows(t, "admin's export", admin.get("/callback-log?format=csv"), "REPLICA-ONLY", "PRIMARY-ONLY")
	shows(t, "admin's audit log", admin.get("/audit-log"), "page-audit-log", "settings.update")
	// Record pages read the primary.
	shows(t, "record page", admin.get("/callback-log/"+itoa(onPrimary)), "PRIMARY-ONLY", "REPLICA-ONLY")
	if p := admin.get("/callback-log/" + itoa(onReplica)); p.Status != http.StatusNotFound {
		t.Fatalf("the replica's row has a record page: %d", p.Status)
	}

	// A change that failed (the auditor may not change settings) starts nothing.
	if p := auditor.post("/settings", url.Values{"low_balance": {"1"}, "dual_approval_above": {"0"}}); p.Status != http.StatusForbidden ||
		strings.Contains(strings.Join(p.Header.Values("Set-Cookie"), ";"), ownChangesCookie) {
		t.Fatalf("refused change: %d %v", p.Status, p.Header.Values("Set-Cookie"))
	}
	// The admin changes a setting (POST, then redirect): their own pages
	// now read the primary, where the change and its audit entry are.
	p := admin.post("/settings", url.Values{"low_balance": {"200.000.000"}, "dual_approval_above": {"0"}})
	if p.Status != http.StatusSeeOther || !strings.Contains(strings.Join(p.Header.Values("Set-Cookie"), ";"), ownChangesCookie+"=") {
		t.Fatalf("settings: %d %v %s", p.Status, p.Header.Values("Set-Cookie"), errorsIn(p.Body))
	}
	admin.get(p.Location)
	shows(t, "admin's audit log after the change", admin.get("/audit-log"), "settings.update", "no-such-text")
	shows(t, "admin's callback log after the change", admin.get("/callback-log"), "PRIMARY-ONLY", "REPLICA-ONLY")
	shows(t, "admin's export after the change", admin.get("/callback-log?format=csv"), "PRIMARY-ONLY", "REPLICA-ONLY")
	// The auditor changed nothing: still the replica.
	shows(t, "auditor's audit log", auditor.get("/audit-log"), "page-audit-log", "settings.update")
	shows(t, "auditor's callback log", auditor.get("/callback-log"), "REPLICA-ONLY", "PRIMARY-ONLY")
	// Past the window the admin reads the replica again.
	a.clock.Advance(OwnChangesFor)
	shows(t, "admin's callback log past the window", admin.get("/callback-log"), "REPLICA-ONLY", "PRIMARY-ONLY")

	// The replica goes down: list pages read the primary, no error page.
	proxy.Stop()
	shows(t, "callback log, replica down", auditor.get("/callback-log"), "PRIMARY-ONLY", "REPLICA-ONLY")
	shows(t, "overview, replica down", admin.get("/"), "PRIMARY-ONLY", "REPLICA-ONLY")
	shows(t, "readiness, replica down", admin.get("/readyz"), "read replica: unavailable", "no-such-text")
	shows(t, "settings, replica down", admin.get("/settings"), i18n.In(i18n.EN, "settings_page.database_replica_down"),
		i18n.In(i18n.EN, "settings_page.database_replica_up"))
	proxy.Start()
	if p := admin.get("/readyz"); p.Status != http.StatusOK || p.Body != "ready\n" {
		t.Fatalf("readiness with the replica back: %d %q", p.Status, p.Body)
	}
	shows(t, "callback log, replica back", auditor.get("/callback-log"), "REPLICA-ONLY", "PRIMARY-ONLY")
	shows(t, "settings, replica back", admin.get("/settings"), i18n.In(i18n.EN, "settings_page.database_replica_up"),
		i18n.In(i18n.EN, "settings_page.database_replica_down"))
	if !strings.Contains(a.logs.String(), "read replica unavailable") {
		t.Fatal("the replica going down was not logged")
	}
}
