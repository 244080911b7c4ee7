// Package db opens the database through GORM. DATABASE_URL picks it: a
// postgres:// or postgresql:// URL opens PostgreSQL through pgx (see
// postgres.go and docs/postgres.md); anything else names a SQLite file.
//
// SQLite is opened with the settings a ledger needs: WAL, synchronous=FULL,
// immediate write transactions, a busy timeout and foreign keys, applied by
// the driver to every pooled connection. All writes go through one writer
// connection so they never fight over SQLite's single write lock; reads use
// their own read-only pool.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// BusyTimeout is how long a connection waits for a lock before failing.
const BusyTimeout = 10 * time.Second

// ReadConns is the size of the read pool.
const ReadConns = 4

// Dialect names the database behind a DB.
type Dialect string

// The two databases the dashboard runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB holds the writer and the reader pools.
type DB struct {
	Write *gorm.DB // SQLite: one connection; every INSERT/UPDATE/DELETE goes here
	Read  *gorm.DB // SQLite: read-only pool; PostgreSQL: the primary's pool
	// Lists reads the primary for list pages, their counts and exports.
	// SQLite: Read. PostgreSQL: a pool of its own that plans every
	// statement for its values (plan_cache_mode=force_custom_plan), which
	// the rest of the dashboard does not pay for.
	Lists *gorm.DB
	// Replica reads a PostgreSQL streaming replica (DATABASE_READ_URL,
	// OpenReplica), falling back to the primary while the replica is down;
	// nil when there is none. Only list pages and exports use it.
	Replica *gorm.DB
	replica *replicaPool
	// Path is the SQLite file; for PostgreSQL the URL without its password.
	Path    string
	Dialect Dialect
}

// IsPostgres reports whether dsn names a PostgreSQL database
// (postgres:// or postgresql://).
func IsPostgres(dsn string) bool {
	dsn = strings.ToLower(strings.TrimSpace(dsn))
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL,
// or (created if needed) a SQLite file path, "file:..." URI or
// "sqlite://path".
func Open(dsn string) (*DB, error) {
	if IsPostgres(dsn) {
		return openPostgres(dsn)
	}
	path, err := filePath(dsn)
	if err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("db: create directory for %s: %w", path, err)
		}
	}
	if err := restrictFiles(path); err != nil {
		return nil, err
	}
	cfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, NowFunc: func() time.Time { return time.Now().UTC() }}

	w, err := gorm.Open(sqlite.Open(connString(path, false)), cfg)
	if err != nil {
		return nil, fmt.Errorf("db: open writer: %w", err)
	}
	wsql, _ := w.DB()
	wsql.SetMaxOpenConns(1)
	wsql.SetMaxIdleConns(1)
	wsql.SetConnMaxLifetime(0)
	// The writer is opened first so WAL mode is set before readers arrive.
	if err := wsql.Ping(); err != nil {
		wsql.Close()
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}

	// Readers keep their prepared statements: the same few queries run
	// thousands of times a second (the callback worker's look-ups).
	rcfg := *cfg
	rcfg.PrepareStmt = true
	r, err := gorm.Open(sqlite.Open(connString(path, true)), &rcfg)
	if err != nil {
		wsql.Close()
		return nil, fmt.Errorf("db: open readers: %w", err)
	}
	rsql, _ := r.DB()
	rsql.SetMaxOpenConns(ReadConns)
	rsql.SetMaxIdleConns(ReadConns)
	return &DB{Write: w, Read: r, Lists: r, Path: path, Dialect: SQLite}, nil
}

// restrictFiles makes the database file readable by its owner only before
// SQLite opens it: SQLite creates the -wal and -shm files with the main
// file's mode, so they follow. Looser modes left by older versions are
// tightened.
func restrictFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("db: open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		st, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("db: %w", err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("db: make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// WriteSQL is the writer connection for code that batches its own statements.
func (d *DB) WriteSQL() *sql.DB { s, _ := d.Write.DB(); return s }

// ReadSQL is the reader pool.
func (d *DB) ReadSQL() *sql.DB { s, _ := d.Read.DB(); return s }

// Ping checks both pools, for /readyz.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.WriteSQL().PingContext(ctx); err != nil {
		return err
	}
	var one int
	return d.ReadSQL().QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close checkpoints the WAL and closes both pools.
func (d *DB) Close() error {
	if d.Dialect == Postgres {
		return d.closePostgres()
	}
	_, _ = d.WriteSQL().Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return errors.Join(d.ReadSQL().Close(), d.WriteSQL().Close())
}

func filePath(dsn string) (string, error) {
	dsn = strings.TrimSpace(dsn)
	switch {
	case dsn == "":
		return "", errors.New("db: empty DATABASE_URL")
	case strings.HasPrefix(dsn, "sqlite://"):
		dsn = strings.TrimPrefix(dsn, "sqlite://")
	case strings.HasPrefix(dsn, "sqlite:"):
		dsn = strings.TrimPrefix(dsn, "sqlite:")
	case strings.HasPrefix(dsn, "file:"):
		dsn = strings.TrimPrefix(dsn, "file:")
	case strings.Contains(dsn, "://"):
		return "", fmt.Errorf("db: DATABASE_URL %q: use a SQLite file path or a postgres:// URL", redactURL(dsn))
	}
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		dsn = dsn[:i]
	}
	if dsn == "" || dsn == ":memory:" {
		return "", errors.New("db: DATABASE_URL must name a file (the dashboard keeps money records durably)")
	}
	return dsn, nil
}

// connString builds the driver DSN; the driver runs these PRAGMAs on every
// new connection, so no pooled connection can miss them.
func connString(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", fmt.Sprint(BusyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "on")
	if readOnly {
		q.Set("_query_only", "1")
		q.Set("_txlock", "deferred")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}
