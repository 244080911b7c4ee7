package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// PostgresConns is the size of the PostgreSQL pool. Unlike SQLite, writers
// run side by side, so writes and reads share one pool; the store makes
// every money path safe under concurrent writers (docs/postgres.md).
const PostgresConns = 16

// openPostgres opens a PostgreSQL database through GORM's PostgreSQL driver
// (pgx). Every connection runs in UTC and scans timestamptz as UTC, as the
// SQLite side does, so times read back compare and print the same.
func openPostgres(dsn string) (*DB, error) {
	sqlDB, err := postgresPool(dsn, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("db: DATABASE_URL %s: %w", redactURL(dsn), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), BusyTimeout)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("db: open %s: %w", redactURL(dsn), err)
	}
	listDB, err := postgresPool(dsn, listParams, 0)
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("db: DATABASE_URL %s: %w", redactURL(dsn), err)
	}
	listDB.SetMaxOpenConns(ListConns)
	listDB.SetMaxIdleConns(ListConns)
	// Read is the primary too: record pages, money paths and anything a
	// write depends on read what was committed. List pages may read a
	// streaming replica instead (DATABASE_READ_URL, OpenReplica).
	var w, r, l *gorm.DB
	if w, err = gormPostgres(sqlDB); err == nil {
		if r, err = gormPostgres(sqlDB); err == nil {
			l, err = gormPostgres(listDB)
		}
	}
	if err != nil {
		sqlDB.Close()
		listDB.Close()
		return nil, fmt.Errorf("db: open %s: %w", redactURL(dsn), err)
	}
	return &DB{Write: w, Read: r, Lists: l, Path: redactURL(dsn), Dialect: Postgres}, nil
}

// ListConns is the size of the primary's pool for list pages.
const ListConns = 8

// listParams are the run-time parameters of the pools list pages read
// (the primary's list pool and the replica), unless DATABASE_URL sets them.
// Statements are prepared once per connection (pgx's cache); after five
// runs PostgreSQL may switch to one generic plan for all values, which on
// skewed lists is the wrong one (a reference prefix matching 1% of a
// million rows counted by a parallel scan of them all: docs/postgres.md,
// "List pages at 1,000,000 rows"), so list statements are planned each run
// for their values. Only list reads pay for that planning: on the callback
// path (the processors' look-ups, the worker's bookkeeping) planning every
// statement cost PostgreSQL 158 µs of CPU per callback instead of 88 µs
// (make bench-callbacks-postgres).
var listParams = map[string]string{"plan_cache_mode": "force_custom_plan"}

// postgresPool is a pool on dsn with the dashboard's settings (UTC, the
// application name, timestamptz scanned as UTC), extra run-time parameters
// (the URL's own win) and, unless the URL sets one, connectTimeout (0:
// none); it does not connect yet.
func postgresPool(dsn string, params map[string]string, connectTimeout time.Duration) (*sql.DB, error) {
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	cc.RuntimeParams["timezone"] = "UTC"
	if cc.RuntimeParams["application_name"] == "" {
		cc.RuntimeParams["application_name"] = "backoffice"
	}
	for k, v := range params {
		if _, set := cc.RuntimeParams[k]; !set || k == "default_transaction_read_only" {
			cc.RuntimeParams[k] = v // the URL's own value wins, but a replica is always read-only
		}
	}
	if connectTimeout > 0 && cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = connectTimeout
	}
	sqlDB := stdlib.OpenDB(*cc, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}))
	sqlDB.SetMaxOpenConns(PostgresConns)
	sqlDB.SetMaxIdleConns(PostgresConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return sqlDB, nil
}

// gormPostgres is a GORM handle on a pool (or any gorm.ConnPool).
func gormPostgres(pool gorm.ConnPool) (*gorm.DB, error) {
	cfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, NowFunc: func() time.Time { return time.Now().UTC() }}
	return gorm.Open(postgres.New(postgres.Config{Conn: pool}), cfg)
}

func (d *DB) closePostgres() error {
	// Write and Read share one pool; list pages and the replica have their own.
	err := d.WriteSQL().Close()
	if l, e := d.Lists.DB(); e == nil {
		err = errors.Join(err, l.Close())
	}
	if d.replica != nil {
		err = errors.Join(err, d.replica.replica.Close())
	}
	return err
}

// redactURL hides the password of a database URL for messages and logs.
func redactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
