package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"backoffice/internal/config"
	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

// DATABASE_READ_URL is opened, not only parsed: a built dashboard's list
// reads go to it (a second schema stands in for the streaming replica),
// and a replica that cannot be reached does not stop start-up.
func TestDatabaseReadURLIsOpened(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("DATABASE_READ_URL is a PostgreSQL streaming replica; there is none with SQLite")
	}
	ctx := context.Background()
	primaryURL, replicaURL := dbtest.URL(t, "primary.db"), dbtest.URL(t, "replica.db")
	rd, err := db.Open(replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if _, err := store.New(rd).Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cb := &models.Callback{ID: 1_000_000, ReceivedAt: time.Now().UTC(), Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/x",
		Headers: "{}", Body: []byte("{}"), Verified: true, DedupKey: "k", Refs: "REPLICA-ONLY", ReplyStatus: 200, Status: models.CallbackUnmatched}
	if err := rd.Write.Create(cb).Error; err != nil {
		t.Fatal(err)
	}

	a := replicaWith(t, primaryURL, "one", Options{}, map[string]string{"DATABASE_READ_URL": replicaURL})
	defer a.Close()
	if a.DB.Replica == nil {
		t.Fatal("DATABASE_READ_URL was not opened")
	}
	page, err := a.Store.ListCallbacks(store.FromReplica(ctx), store.CallbackFilter{}, store.PageSize)
	if err != nil || len(page.Items) != 1 || page.Items[0].Refs != "REPLICA-ONLY" {
		t.Fatalf("list through the replica: %+v %v", page.Items, err)
	}
	if err := a.Store.PingReplica(ctx); err != nil {
		t.Fatal(err)
	}

	// Nothing listens on port 1: start-up goes on, says so, lists read the primary.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DASHBOARD_DATA_DIR": dir, "DATABASE_URL": dbtest.URL(t, "other.db"),
		"DATABASE_READ_URL": "postgres://postgres@127.0.0.1:1/bo_test?sslmode=disable"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	b, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("an unreachable replica stopped start-up: %v", err)
	}
	defer b.DB.Close()
	if !strings.Contains(logs.String(), "read replica unavailable") {
		t.Fatalf("not logged:\n%s", logs.String())
	}
	if _, err := b.Store.ListCallbacks(store.FromReplica(ctx), store.CallbackFilter{}, store.PageSize); err != nil {
		t.Fatalf("list with the replica unreachable: %v", err)
	}
}
