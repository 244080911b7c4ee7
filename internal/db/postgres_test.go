package db_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
)

// A postgres:// DATABASE_URL opens PostgreSQL: connections run in UTC and
// a timestamptz comes back as the same instant, in UTC.
func TestPostgresURLOpensPostgreSQLInUTC(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("needs " + dbtest.EnvVar + " (make test-postgres)")
	}
	d := dbtest.Open(t, "t.db")
	defer d.Close()
	if d.Dialect != db.Postgres {
		t.Fatalf("dialect %q", d.Dialect)
	}
	ctx := context.Background()
	var tz string
	if err := d.ReadSQL().QueryRowContext(ctx, "SHOW timezone").Scan(&tz); err != nil || tz != "UTC" {
		t.Fatalf("timezone %q, %v", tz, err)
	}
	at := time.Date(2026, 11, 1, 23, 30, 0, 123456000, time.FixedZone("WIB", 7*3600))
	var back time.Time
	if err := d.ReadSQL().QueryRowContext(ctx, "SELECT $1::timestamptz", at).Scan(&back); err != nil {
		t.Fatal(err)
	}
	if !back.Equal(at) || back.Location() != time.UTC {
		t.Fatalf("read back %v (%v), want %v in UTC", back, back.Location(), at)
	}
	if err := d.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

// A URL that is neither a file nor PostgreSQL is refused with its name, and
// without its password.
func TestOtherURLsAreRefused(t *testing.T) {
	_, err := db.Open("mysql://app:secret@db/backoffice")
	if err == nil {
		t.Fatal("a mysql:// URL was accepted")
	}
	if msg := err.Error(); !strings.Contains(msg, "postgres://") || strings.Contains(msg, "secret") {
		t.Fatalf("message %q", msg)
	}
}
