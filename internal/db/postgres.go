package db

import (
	"context"
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
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: DATABASE_URL %s: %w", redactURL(dsn), err)
	}
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	cc.RuntimeParams["timezone"] = "UTC"
	// Statements are prepared once per connection (pgx's cache); after five
	// runs PostgreSQL may switch to one generic plan for all values, which
	// on skewed lists is the wrong one (a reference prefix matching 1% of a
	// million rows counted by a parallel scan of them all: docs/postgres.md,
	// "List pages at 1,000,000 rows"). Plan each run for its values.
	if cc.RuntimeParams["plan_cache_mode"] == "" {
		cc.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	if cc.RuntimeParams["application_name"] == "" {
		cc.RuntimeParams["application_name"] = "backoffice"
	}
	sqlDB := stdlib.OpenDB(*cc, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}))
	sqlDB.SetMaxOpenConns(PostgresConns)
	sqlDB.SetMaxIdleConns(PostgresConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), BusyTimeout)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("db: open %s: %w", redactURL(dsn), err)
	}
	cfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, NowFunc: func() time.Time { return time.Now().UTC() }}
	w, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), cfg)
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("db: open %s: %w", redactURL(dsn), err)
	}
	// Reads use the same pool for now; DATABASE_READ_URL (a streaming
	// replica) is parsed by config but not wired yet (docs/postgres.md).
	r, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), cfg)
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("db: open %s: %w", redactURL(dsn), err)
	}
	return &DB{Write: w, Read: r, Path: redactURL(dsn), Dialect: Postgres}, nil
}

func (d *DB) closePostgres() error {
	// Write and Read share one pool.
	return d.WriteSQL().Close()
}

// redactURL hides the password of a database URL for messages and logs.
func redactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
