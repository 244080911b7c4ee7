package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ReplicaConnectTimeout bounds one connection attempt to the replica (when
// DATABASE_READ_URL sets no connect_timeout), so a replica that does not
// answer delays a list page by at most this before it reads the primary.
const ReplicaConnectTimeout = 2 * time.Second

// ReplicaRetry is how long queries go straight to the primary after the
// replica failed, before it is tried again.
const ReplicaRetry = 10 * time.Second

// OpenReplica opens DATABASE_READ_URL, a streaming replica of the
// PostgreSQL primary, as d.Replica: its own pool with the primary's
// settings, every transaction read-only (default_transaction_read_only).
// A replica that does not answer does not stop start-up: it is logged and
// its queries run on the primary until it answers (ReplicaRetry).
func (d *DB) OpenReplica(dsn string, log *slog.Logger) error {
	if d.Dialect != Postgres || !IsPostgres(dsn) {
		return errors.New("db: DATABASE_READ_URL needs DATABASE_URL and itself to be postgres:// URLs (a streaming replica of the same database)")
	}
	if d.replica != nil {
		return errors.New("db: the replica is open already")
	}
	if log == nil {
		log = slog.Default()
	}
	params := map[string]string{"default_transaction_read_only": "on"}
	for k, v := range listParams {
		params[k] = v
	}
	pool, err := postgresPool(dsn, params, ReplicaConnectTimeout)
	if err != nil {
		return fmt.Errorf("db: DATABASE_READ_URL %s: %w", redactURL(dsn), err)
	}
	primary, _ := d.Lists.DB()
	rp := &replicaPool{replica: pool, primary: primary, log: log, url: redactURL(dsn), now: time.Now}
	g, err := gormPostgres(rp)
	if err != nil {
		pool.Close()
		return fmt.Errorf("db: DATABASE_READ_URL %s: %w", redactURL(dsn), err)
	}
	d.Replica, d.replica = g, rp
	ctx, cancel := context.WithTimeout(context.Background(), BusyTimeout)
	defer cancel()
	if err := d.PingReplica(ctx); err == nil {
		log.Info("read replica open: list pages and exports read it", "replica", rp.url)
	}
	return nil
}

// PingReplica checks the replica, for /readyz: nil when it answers or when
// there is none. A failure marks it down (its queries run on the primary),
// a success up again.
func (d *DB) PingReplica(ctx context.Context) error {
	if d.replica == nil {
		return nil
	}
	var one int
	err := d.replica.replica.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	if err != nil {
		if ctx.Err() == nil {
			d.replica.markDown(err)
		}
		return fmt.Errorf("read replica: %w", err)
	}
	d.replica.markUp()
	return nil
}

// ReplicaFallbacks counts the queries meant for the replica that the
// primary answered (the replica down or refusing the query).
func (d *DB) ReplicaFallbacks() int64 {
	if d.replica == nil {
		return 0
	}
	return d.replica.fallbacks.Load()
}

// replicaPool is the replica handle's connection pool for GORM: reads go
// to the replica, and to the primary when the replica cannot answer. A
// query is sent again to the primary only when it failed before any row
// came back (an error from QueryContext itself), so nothing is read twice.
type replicaPool struct {
	replica, primary *sql.DB
	log              *slog.Logger
	url              string
	now              func() time.Time
	// downUntil is when the replica is tried again (Unix nanoseconds);
	// zero while it answers.
	downUntil atomic.Int64
	fallbacks atomic.Int64
}

func (p *replicaPool) up() bool {
	u := p.downUntil.Load()
	return u == 0 || p.now().UnixNano() >= u
}

func (p *replicaPool) markDown(err error) {
	if p.downUntil.Swap(p.now().Add(ReplicaRetry).UnixNano()) == 0 {
		p.log.Warn("read replica unavailable: list pages and exports read the primary", "replica", p.url,
			"err", err.Error(), "retry_in", ReplicaRetry.String())
	}
}

func (p *replicaPool) markUp() {
	if p.downUntil.Load() != 0 && p.downUntil.Swap(0) != 0 {
		p.log.Info("read replica answers again: list pages and exports read it", "replica", p.url)
	}
}

// fallBack reports whether a query the replica failed runs on the primary
// instead: when the replica cannot be reached or is shutting down (marked
// down for ReplicaRetry), and for this query only when the replica
// cancelled it for a conflict with recovery or does not have a table or
// column yet (a migration not replayed). The caller's own cancellation and
// errors in the query itself are returned as they are.
func (p *replicaPool) fallBack(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case strings.HasPrefix(pg.Code, "08"), strings.HasPrefix(pg.Code, "28"), strings.HasPrefix(pg.Code, "57P"),
			pg.Code == "53300", pg.Code == "3D000":
			// connection, authentication, shutdown, too many connections, no such database
			p.markDown(err)
		case pg.Code == "40001", pg.Code == "42P01", pg.Code == "42703":
			// conflict with recovery; table or column not replayed yet
		default:
			return false
		}
	} else {
		// No answer from the server: refused, reset, timed out, pool closed.
		p.markDown(err)
	}
	p.fallbacks.Add(1)
	return true
}

func (p *replicaPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if p.up() {
		rows, err := p.replica.QueryContext(ctx, query, args...)
		if err == nil {
			p.markUp()
			return rows, nil
		}
		if !p.fallBack(ctx, err) {
			return nil, err
		}
	} else {
		p.fallbacks.Add(1)
	}
	return p.primary.QueryContext(ctx, query, args...)
}

func (p *replicaPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if p.up() {
		row := p.replica.QueryRowContext(ctx, query, args...)
		err := row.Err()
		if err == nil {
			p.markUp()
			return row
		}
		if !p.fallBack(ctx, err) {
			return row
		}
	} else {
		p.fallbacks.Add(1)
	}
	return p.primary.QueryRowContext(ctx, query, args...)
}

// PrepareContext prepares on the replica while it is up, else on the primary.
func (p *replicaPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if p.up() {
		return p.replica.PrepareContext(ctx, query)
	}
	return p.primary.PrepareContext(ctx, query)
}

// errReplicaWrite: the replica handle only reads.
var errReplicaWrite = errors.New("db: the read replica handle does not write")

func (p *replicaPool) ExecContext(context.Context, string, ...any) (sql.Result, error) {
	return nil, errReplicaWrite
}
