// Package dbtest gives each test a database of its own: a SQLite file in
// the test's temporary directory, or, when TEST_DATABASE_URL names a
// PostgreSQL server (make test-postgres), a new database with a random name
// on that server, dropped when the test ends. Tests open their database
// only through here, so the whole suite runs on either.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"backoffice/internal/db"
)

// EnvVar names the PostgreSQL server tests run against, as a URL of a
// database to connect to for CREATE DATABASE (usually .../postgres).
const EnvVar = "TEST_DATABASE_URL"

// Postgres reports whether tests run on PostgreSQL.
func Postgres() bool { return db.IsPostgres(os.Getenv(EnvVar)) }

// SkipOnPostgres skips a test of SQLite's own behaviour (its files, its
// PRAGMAs, its query plans) when the suite runs on PostgreSQL.
func SkipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if Postgres() {
		t.Skip("SQLite only: " + why)
	}
}

// URL returns a DATABASE_URL for a new, empty database for t: the SQLite
// file name in t.TempDir(), or a new PostgreSQL database dropped (with any
// connection still open to it) when t ends.
func URL(t testing.TB, name string) string {
	t.Helper()
	if !Postgres() {
		return filepath.Join(t.TempDir(), name)
	}
	return createPostgres(t)
}

// Open opens a new, empty database for t (see URL). The caller closes it.
func Open(t testing.TB, name string) *db.DB {
	t.Helper()
	d, err := db.Open(URL(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminURL  *url.URL
	adminErr  error
)

func createPostgres(t testing.TB) string {
	t.Helper()
	adminOnce.Do(func() {
		raw := os.Getenv(EnvVar)
		if adminURL, adminErr = url.Parse(raw); adminErr != nil {
			return
		}
		cc, err := pgx.ParseConfig(raw)
		if err != nil {
			adminErr = err
			return
		}
		admin = stdlib.OpenDB(*cc)
		admin.SetMaxOpenConns(2)
	})
	if adminErr != nil {
		t.Fatalf("%s: %v", EnvVar, adminErr)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "bo_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		t.Fatalf("%s: create database: %v", EnvVar, err)
	}
	// Registered first, so it runs after every cleanup the test adds later
	// (the ones that close its pools).
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("%s: drop database %s: %v", EnvVar, name, err)
		}
	})
	u := *adminURL
	u.Path = "/" + name
	return u.String()
}
