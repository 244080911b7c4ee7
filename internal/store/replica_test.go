package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
)

// A streaming replica cannot run in the tests; a second schema stands in
// for one that is behind: the primary is one schema, DATABASE_READ_URL
// another, migrated the same, holding other rows.

// staleReplica opens a primary store and a second, migrated schema as its
// "replica". It returns the primary (replica not yet opened), a store on
// the replica's schema to stage its rows, and the replica's URL.
func staleReplica(t *testing.T) (primary, stale *Store, replicaURL string) {
	t.Helper()
	if !dbtest.Postgres() {
		t.Skip("DATABASE_READ_URL is a PostgreSQL streaming replica; there is none with SQLite")
	}
	primary = newStore(t)
	replicaURL = dbtest.URL(t, "replica.db")
	d, err := db.Open(replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	stale = New(d)
	if _, err := stale.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return primary, stale, replicaURL
}

// stageRefCallback stores one callback carrying ref, with the given id (zero:
// the next one).
func stageRefCallback(t *testing.T, s *Store, id int64, ref string) int64 {
	t.Helper()
	cb := &models.Callback{ID: id, ReceivedAt: time.Now().UTC(), Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement",
		Headers: "{}", Body: []byte("{}"), Verified: true, DedupKey: ref, Refs: ref, ReplyStatus: 200, Status: models.CallbackUnmatched}
	if err := s.db.Write.Create(cb).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Write.Exec("INSERT INTO callback_refs (ref, callback_id) VALUES (?, ?)", ref, cb.ID).Error; err != nil {
		t.Fatal(err)
	}
	return cb.ID
}

func listedRefs(t *testing.T, s *Store, ctx context.Context) string {
	t.Helper()
	page, err := s.ListCallbacks(ctx, CallbackFilter{}, PageSize)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, cb := range page.Items {
		refs = append(refs, cb.Refs)
	}
	return strings.Join(refs, " ")
}

// List pages, their counts and exports read the replica when the context
// asks for it (store.FromReplica, set by the web layer on GETs); without
// it, or with FromPrimary, and for record look-ups, they read the primary.
func TestListsReadTheReplicaOnlyWhenAsked(t *testing.T) {
	primary, stale, replicaURL := staleReplica(t)
	onPrimary := stageRefCallback(t, primary, 0, "PRIMARY-ONLY")
	onReplica := stageRefCallback(t, stale, 1_000_000, "REPLICA-ONLY")
	if err := primary.db.OpenReplica(replicaURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	replicaCtx := FromReplica(bg)

	if got := listedRefs(t, primary, replicaCtx); got != "REPLICA-ONLY" {
		t.Fatalf("list from the replica shows %q", got)
	}
	for name, ctx := range map[string]context.Context{"unmarked": bg, "FromPrimary": FromPrimary(replicaCtx)} {
		if got := listedRefs(t, primary, ctx); got != "PRIMARY-ONLY" {
			t.Fatalf("%s list shows %q, want the primary's", name, got)
		}
	}
	// The export, the counts and a reference search go the same way.
	var exported []string
	if err := primary.EachCallback(replicaCtx, CallbackFilter{}, func(cb models.Callback) error {
		exported = append(exported, cb.Refs)
		return nil
	}); err != nil || strings.Join(exported, " ") != "REPLICA-ONLY" {
		t.Fatalf("export from the replica: %v %v", exported, err)
	}
	page, err := primary.ListCallbacks(replicaCtx, CallbackFilter{Ref: "REPLICA"}, PageSize)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != onReplica {
		t.Fatalf("reference search on the replica: %+v %v", page.Items, err)
	}
	counts, _, err := primary.CallbackStatusCounts(replicaCtx, CallbackFilter{Ref: "REPLICA"}, CountCap)
	if err != nil || counts[models.CallbackUnmatched] != 1 {
		t.Fatalf("counts on the replica: %v %v", counts, err)
	}
	// A record page reads the primary whatever the context says.
	if cb, err := primary.CallbackByID(replicaCtx, onPrimary); err != nil || cb.Refs != "PRIMARY-ONLY" {
		t.Fatalf("record look-up: %+v %v", cb, err)
	}
	if _, err := primary.CallbackByID(replicaCtx, onReplica); !errors.Is(err, ErrNotFound) {
		t.Fatalf("record look-up found the replica's row: %v", err)
	}
	// The replica's connections are read-only, and its handle refuses writes.
	var ro string
	if err := primary.db.Replica.Raw("SHOW default_transaction_read_only").Scan(&ro).Error; err != nil || ro != "on" {
		t.Fatalf("replica default_transaction_read_only = %q, %v", ro, err)
	}
	if err := primary.db.Replica.Exec("DELETE FROM callbacks").Error; err == nil {
		t.Fatal("the replica handle ran a DELETE")
	}
	if n := primary.db.ReplicaFallbacks(); n != 0 {
		t.Fatalf("%d queries fell back to the primary with the replica up", n)
	}
}

// A replica that goes away does not fail list pages: they read the
// primary, it is logged once, readiness reports it; once it answers a ping
// again, lists read it again. A replica unreachable from the start does
// not stop the database opening.
func TestListsReadThePrimaryWhileTheReplicaIsDown(t *testing.T) {
	primary, stale, replicaURL := staleReplica(t)
	stageRefCallback(t, primary, 0, "PRIMARY-ONLY")
	stageRefCallback(t, stale, 1_000_000, "REPLICA-ONLY")
	proxy, viaProxy := dbtest.NewProxy(t, replicaURL)
	var logs bytes.Buffer
	if err := primary.db.OpenReplica(viaProxy, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	ctx := FromReplica(context.Background())
	if got := listedRefs(t, primary, ctx); got != "REPLICA-ONLY" {
		t.Fatalf("list shows %q", got)
	}

	proxy.Stop()
	for range 3 {
		if got := listedRefs(t, primary, ctx); got != "PRIMARY-ONLY" {
			t.Fatalf("with the replica down the list shows %q", got)
		}
	}
	if n := primary.db.ReplicaFallbacks(); n < 3 {
		t.Fatalf("%d fallbacks", n)
	}
	if n := strings.Count(logs.String(), "read replica unavailable"); n != 1 {
		t.Fatalf("logged %d times:\n%s", n, logs.String())
	}
	if err := primary.PingReplica(context.Background()); err == nil {
		t.Fatal("ping of a stopped replica succeeded")
	}
	if err := primary.Ping(context.Background()); err != nil {
		t.Fatalf("the primary's ping failed with the replica down: %v", err)
	}

	proxy.Start()
	if err := primary.PingReplica(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := listedRefs(t, primary, ctx); got != "REPLICA-ONLY" {
		t.Fatalf("after the replica came back the list shows %q", got)
	}
	if !strings.Contains(logs.String(), "read replica answers again") {
		t.Fatalf("recovery not logged:\n%s", logs.String())
	}

	// Unreachable from the start (nothing listens on the port).
	dead := newStore(t)
	stageRefCallback(t, dead, 0, "PRIMARY-ONLY")
	if err := dead.db.OpenReplica("postgres://postgres@127.0.0.1:1/bo_test?sslmode=disable", slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("an unreachable replica stopped the open: %v", err)
	}
	if got := listedRefs(t, dead, ctx); got != "PRIMARY-ONLY" {
		t.Fatalf("with an unreachable replica the list shows %q", got)
	}
}

// A query error that is the query's own (not the replica's state) is
// returned, not hidden by running it on the primary.
func TestReplicaQueryErrorsAreNotRetriedOnThePrimary(t *testing.T) {
	primary, _, replicaURL := staleReplica(t)
	if err := primary.db.OpenReplica(replicaURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	var n int
	err := primary.listDB(FromReplica(context.Background())).Raw("SELECT 1 / 0").Scan(&n).Error
	if err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("err %v", err)
	}
	if f := primary.db.ReplicaFallbacks(); f != 0 {
		t.Fatalf("%d fallbacks", f)
	}
}

// BenchmarkListThroughReplica compares one callback list page read from the
// primary, from the replica, and through the replica handle while the
// replica is down (marked down: straight to the primary).
func BenchmarkListThroughReplica(b *testing.B) {
	if !dbtest.Postgres() {
		b.Skip("PostgreSQL only")
	}
	primary := newStoreB(b)
	replicaURL := dbtest.URL(b, "replica.db")
	d, err := db.Open(replicaURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	stale := New(d)
	if _, err := stale.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	fillCallbacks(b, primary, 2000)
	fillCallbacks(b, stale, 2000)
	proxy, viaProxy := dbtest.NewProxy(b, replicaURL)
	if err := primary.db.OpenReplica(viaProxy, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	list := func(b *testing.B, ctx context.Context) {
		for b.Loop() {
			if _, err := primary.ListCallbacks(ctx, CallbackFilter{}, PageSize); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("primary", func(b *testing.B) { list(b, context.Background()) })
	b.Run("replica", func(b *testing.B) { list(b, FromReplica(context.Background())) })
	proxy.Stop()
	b.Run("replica-down", func(b *testing.B) { list(b, FromReplica(context.Background())) })
}
