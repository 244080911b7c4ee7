package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"backoffice/internal/config"
	"backoffice/internal/db"
	"backoffice/internal/store"
)

// copyFlags are migrate-to-postgres's arguments: the SQLite file to read
// and the PostgreSQL database to fill.
type copyFlags struct{ from, to string }

// parseMigrateToPostgres reads the flags and settles source and target
// before any database is opened:
//
//   - the source is --from, else DATABASE_URL when it names SQLite, else
//     the default file $DASHBOARD_DATA_DIR/dashboard.db;
//   - the target is --to, else DATABASE_URL when it names PostgreSQL.
//
// So both `DATABASE_URL=postgres://… dashboard migrate-to-postgres` (the
// replicas' future setting) and `dashboard migrate-to-postgres --to
// postgres://…` (today's setting) work.
func parseMigrateToPostgres(args []string, getenv func(string) string) (copyFlags, error) {
	fs := flag.NewFlagSet("migrate-to-postgres", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	from := fs.String("from", "", "the SQLite database file to copy")
	to := fs.String("to", "", "the PostgreSQL database to copy into (postgres://…)")
	if err := fs.Parse(args); err != nil {
		return copyFlags{}, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return copyFlags{}, usageError{fmt.Sprintf("migrate-to-postgres: unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return copyFlags{}, err
	}
	f := copyFlags{from: strings.TrimSpace(*from), to: strings.TrimSpace(*to)}
	envIsPG := db.IsPostgres(cfg.DatabaseURL)
	if f.from == "" {
		f.from = cfg.DatabaseURL
		if envIsPG {
			f.from = cfg.DataDir + string(os.PathSeparator) + "dashboard.db"
		}
	}
	if f.to == "" && envIsPG {
		f.to = cfg.DatabaseURL
	}
	switch {
	case f.to == "":
		return copyFlags{}, usageError{"migrate-to-postgres needs the PostgreSQL database: --to postgres://… (or DATABASE_URL set to it)"}
	case !db.IsPostgres(f.to):
		return copyFlags{}, usageError{"migrate-to-postgres: --to must be a postgres:// or postgresql:// URL"}
	case db.IsPostgres(f.from):
		return copyFlags{}, usageError{"migrate-to-postgres: --from must be the SQLite database file, not a PostgreSQL URL"}
	}
	// A mistyped path must not create an empty SQLite file to copy.
	path := sqliteFile(f.from)
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return copyFlags{}, fmt.Errorf("migrate-to-postgres: no SQLite database at %s: name it with --from", path)
	}
	return f, nil
}

// sqliteFile is the file a SQLite DATABASE_URL names (db.Open's forms).
func sqliteFile(dsn string) string {
	for _, p := range []string{"sqlite://", "sqlite:", "file:"} {
		if rest, ok := strings.CutPrefix(dsn, p); ok {
			dsn = rest
			break
		}
	}
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		dsn = dsn[:i]
	}
	return dsn
}

// migrateToPostgres copies the SQLite database into an empty PostgreSQL
// one (docs/postgres.md): the source is brought to the current schema (as
// every command does), the target is checked empty before anything is
// written to it, migrated, then filled in one transaction whose per-table
// row counts are checked before it commits.
func migrateToPostgres(ctx context.Context, f copyFlags, stdout io.Writer) error {
	tdb, err := db.Open(f.to)
	if err != nil {
		return err
	}
	defer tdb.Close()
	target := store.New(tdb)
	full, err := target.NonEmptyTables(ctx)
	if err != nil {
		return err
	}
	if len(full) > 0 {
		return refusedTarget(tdb.Path, full)
	}
	sdb, err := db.Open(f.from)
	if err != nil {
		return err
	}
	defer sdb.Close()
	source := store.New(sdb)
	if _, err := source.Migrate(ctx); err != nil {
		return err
	}
	if _, err := target.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copying %s into %s\n", sdb.Path, tdb.Path)
	counts, err := target.CopyFrom(ctx, source, store.CopyOptions{})
	if errors.Is(err, store.ErrTargetNotEmpty) {
		return fmt.Errorf("migrate-to-postgres: %w (nothing was copied)", err)
	}
	if err != nil {
		return fmt.Errorf("migrate-to-postgres: %w (nothing was copied: the transaction was rolled back)", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\tSQLite rows\tPostgreSQL rows\t")
	var total int64
	for _, c := range counts {
		name := c.Table
		if c.Derived {
			name += " *"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", name, c.Source, c.Target)
		if !c.Derived {
			total += c.Target
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "* day counters: rebuilt by PostgreSQL's triggers from the copied rows; non-zero counters compared")
	fmt.Fprintf(stdout, "copied %d rows in %d tables; every count matches. Point DATABASE_URL at %s and start the dashboard.\n",
		total, len(counts), tdb.Path)
	return nil
}

func refusedTarget(where string, full []store.TableCount) error {
	var names []string
	for _, t := range full {
		names = append(names, fmt.Sprintf("%s (%d rows)", t.Table, t.Rows))
	}
	return fmt.Errorf("migrate-to-postgres: refused: the PostgreSQL database %s already holds rows in %s; "+
		"nothing was written. Copy only into a freshly created, empty database", where, strings.Join(names, ", "))
}
