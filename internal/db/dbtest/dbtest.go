// Package dbtest gives each test a database of its own: a SQLite file in
// the test's temporary directory, or, when TEST_DATABASE_URL names a
// PostgreSQL server (make test-postgres), a new schema with a random name in
// the server's bo_test database (made once), dropped when the test ends.
// Tests open their database only through here, so the whole suite runs on
// either.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
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
// file name in t.TempDir(), or on PostgreSQL a new schema with a random
// name in SharedDatabase, dropped when t ends.
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

// SharedDatabase holds the tests' schemas on the PostgreSQL server: made
// once (C collation, as Migrate requires) and kept. Creating and dropping a
// database per test took over four seconds a test on the machine this was
// written on (each is a checkpoint); a schema takes milliseconds.
const SharedDatabase = "bo_test"

var (
	adminOnce sync.Once
	admin     *sql.DB
	baseURL   *url.URL
	adminErr  error
)

func setUp() {
	raw := os.Getenv(EnvVar)
	cc, err := pgx.ParseConfig(raw)
	if err != nil {
		adminErr = err
		return
	}
	server := stdlib.OpenDB(*cc)
	defer server.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Packages run in parallel: one of them makes the database.
	conn, err := server.Conn(ctx)
	if err != nil {
		adminErr = err
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext('"+SharedDatabase+"'))"); err != nil {
		adminErr = err
		return
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(hashtext('"+SharedDatabase+"'))")
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", SharedDatabase).Scan(&n); err != nil {
		adminErr = err
		return
	}
	if n == 0 {
		if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+SharedDatabase+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
			adminErr = fmt.Errorf("create database %s: %w", SharedDatabase, err)
			return
		}
	}
	if baseURL, adminErr = url.Parse(raw); adminErr != nil {
		return
	}
	baseURL.Path = "/" + SharedDatabase
	acc, err := pgx.ParseConfig(baseURL.String())
	if err != nil {
		adminErr = err
		return
	}
	admin = stdlib.OpenDB(*acc)
	admin.SetMaxOpenConns(2)
}

// createPostgres makes a schema with a random name in SharedDatabase and
// returns a URL whose connections use it (search_path), dropping it when
// t ends.
func createPostgres(t testing.TB) string {
	t.Helper()
	adminOnce.Do(setUp)
	if adminErr != nil {
		t.Fatalf("%s: %v", EnvVar, adminErr)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("%s: create schema: %v", EnvVar, err)
	}
	// Registered first, so it runs after every cleanup the test adds later
	// (the ones that close its pools).
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE"); err != nil {
			t.Errorf("%s: drop schema %s: %v", EnvVar, name, err)
		}
	})
	u := *baseURL
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
