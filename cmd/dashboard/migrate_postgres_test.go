package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/store"
)

func runEnv(env map[string]string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return out.String(), err
}

// The refusals that need no database: no target, a target that is not
// PostgreSQL, a source that does not exist (and is not created).
func TestMigrateToPostgresArguments(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"DASHBOARD_DATA_DIR": dir}
	var ue usageError
	if _, err := runEnv(env, "migrate-to-postgres"); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--to postgres://") {
		t.Errorf("no target: %v", err)
	}
	if _, err := runEnv(env, "migrate-to-postgres", "--to", filepath.Join(dir, "other.db")); !errors.As(err, &ue) {
		t.Errorf("SQLite target: %v", err)
	}
	missing := filepath.Join(dir, "typo.db")
	_, err := runEnv(env, "migrate-to-postgres", "--from", missing, "--to", "postgres://nobody@127.0.0.1:1/none")
	if err == nil || !strings.Contains(err.Error(), "no SQLite database at "+missing) {
		t.Errorf("missing source: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused command created %s", dir)
	}
	out, err := runEnv(env, "help")
	if err != nil || !strings.Contains(out, "dashboard migrate-to-postgres") {
		t.Errorf("help: %q %v", out, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("help created %s", dir)
	}
}

// The whole command: a SQLite data directory made by the CLI is copied
// into an empty PostgreSQL database named by DATABASE_URL, the counts are
// printed, the copied admin can be found there; a second run is refused
// (exit code 1) and writes nothing.
func TestMigrateToPostgresCommand(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("needs PostgreSQL: set " + dbtest.EnvVar)
	}
	dir := filepath.Join(t.TempDir(), "data")
	if _, err := runCLI(t, dir, "a long enough password\n", "user", "add", "--email", "ops@example.co.id", "--name", "Ops Admin", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	target := dbtest.URL(t, "target")
	env := map[string]string{"DASHBOARD_DATA_DIR": dir, "DATABASE_URL": target}
	out, err := runEnv(env, "migrate-to-postgres")
	if err != nil {
		t.Fatalf("migrate-to-postgres: %v\n%s", err, out)
	}
	for _, want := range []string{"users", "audit_entries", "every count matches"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	d, err := db.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	st := store.New(d)
	u, err := st.UserByEmail(context.Background(), "ops@example.co.id")
	if err != nil || u.Name != "Ops Admin" {
		t.Fatalf("copied user: %+v %v", u, err)
	}
	before, err := st.NonEmptyTables(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// Again, with the target given as --to and the source as --from.
	out, err = runEnv(map[string]string{"DASHBOARD_DATA_DIR": dir}, "migrate-to-postgres",
		"--from", filepath.Join(dir, "dashboard.db"), "--to", target)
	if err == nil || !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), "users (1 rows)") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	var ue usageError
	if errors.As(err, &ue) {
		t.Error("a refused target is not a usage error (exit code 1, not 2)")
	}
	after, err := st.NonEmptyTables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("tables with rows: %v, then %v", before, after)
	}
	for i := range after {
		if after[i] != before[i] {
			t.Errorf("%s: %d rows, then %d", after[i].Table, before[i].Rows, after[i].Rows)
		}
	}
}

// Start-up on PostgreSQL with a key neither in the environment nor in the
// data directory is refused before anything is opened or generated.
func TestServeOnPostgresNeedsSharedKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"DASHBOARD_DATA_DIR": dir, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
	_, err := runEnv(env, "serve")
	if err == nil || !strings.Contains(err.Error(), "DASHBOARD_SESSION_HASH_KEY") || !strings.Contains(err.Error(), "same values") {
		t.Fatalf("serve: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused start-up created %s", dir)
	}
}
