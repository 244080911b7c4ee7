package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	d := dbtest.Open(t, "test.db")
	t.Cleanup(func() { d.Close() })
	s := New(d)
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	n, err := s.Migrate(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second migrate applied %d, err %v; want 0, nil", n, err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != migrations[len(migrations)-1].Version {
		t.Fatalf("schema version %d, %v", v, err)
	}
}

// An older database (only the first step applied) is brought up to date
// without losing its rows.
func TestMigrateUpgradesAnOlderDatabase(t *testing.T) {
	d := dbtest.Open(t, "old.db")
	defer d.Close()
	s := New(d)
	all := migrations
	migrations = all[:1]
	_, err := s.Migrate(context.Background())
	migrations = all
	if err != nil {
		t.Fatal(err)
	}
	// Written with the old schema's columns: today's model has more.
	now := time.Now().UTC()
	if err := s.db.Write.Exec(`INSERT INTO users (email, name, role, password_hash, password_changed_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, "old@example.com", "Old", models.RoleAdmin, "x", now, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByEmail(context.Background(), "OLD@example.com"); err != nil {
		t.Fatalf("user lost across upgrade: %v", err)
	}
}

func TestAuditEntriesAreAppendOnly(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	e := &models.AuditEntry{Action: "user.create", ActorEmail: "a@example.com", Summary: "created"}
	if err := s.Audit(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Write.Exec("UPDATE audit_entries SET summary = 'x' WHERE id = ?", e.ID).Error; err == nil {
		t.Fatal("an audit entry was updated")
	}
	if err := s.db.Write.Exec("DELETE FROM audit_entries WHERE id = ?", e.ID).Error; err == nil {
		t.Fatal("an audit entry was deleted")
	}
	page, err := s.ListAudit(ctx, AuditFilter{}, 10)
	if err != nil || len(page.Items) != 1 || page.Items[0].Summary != "created" {
		t.Fatalf("entry changed: %+v, %v", page.Items, err)
	}
}

func TestDisablingAUserEndsItsSessions(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	u := &models.User{Email: "f@example.com", Name: "F", Role: models.RoleFinance, PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	sess := &models.Session{TokenHash: "h1", UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	yes := true
	if err := s.UpdateUser(ctx, u.ID, UserChange{Disabled: &yes}, &models.AuditEntry{Action: "user.disable"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionByTokenHash(ctx, "h1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session survived disabling: %v", err)
	}
}

func TestAuditPagingAndFilters(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for i := range 7 {
		action := "user.create"
		if i%2 == 1 {
			action = "login.ok"
		}
		if err := s.Audit(ctx, &models.AuditEntry{Action: action, ActorEmail: "a@example.com", ObjectID: "obj"}); err != nil {
			t.Fatal(err)
		}
	}
	var seen int
	f := AuditFilter{Action: "user."}
	for {
		p, err := s.ListAudit(ctx, f, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Items {
			if e.Action != "user.create" {
				t.Fatalf("filter let through %q", e.Action)
			}
		}
		seen += len(p.Items)
		if p.Next == 0 {
			break
		}
		f.Before = p.Next
	}
	if seen != 4 {
		t.Fatalf("paged through %d user.* entries, want 4", seen)
	}
	var exported int
	if err := s.EachAudit(ctx, AuditFilter{Actor: "A@EXAMPLE.COM"}, func(models.AuditEntry) error { exported++; return nil }); err != nil || exported != 7 {
		t.Fatalf("exported %d, %v", exported, err)
	}
}

func newStoreB(b *testing.B) *Store {
	b.Helper()
	d := dbtest.Open(b, "bench.db")
	b.Cleanup(func() { d.Close() })
	s := New(d)
	if _, err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}

// Every migration has PostgreSQL's SQL beside SQLite's, and no PostgreSQL
// SQL is left without its migration.
func TestEveryMigrationHasPostgreSQL(t *testing.T) {
	known := map[int]bool{}
	for _, m := range migrations {
		known[m.Version] = true
		if _, err := m.sqlFor(postgresDialect); err != nil {
			t.Errorf("migration %d (%s): %v", m.Version, m.Name, err)
		}
	}
	for v := range postgresMigrations {
		if !known[v] {
			t.Errorf("postgresMigrations[%d] has no migration %d in migrate.go", v, v)
		}
	}
}
