package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Copying a SQLite database into PostgreSQL (dashboard migrate-to-postgres,
// docs/postgres.md). The tables come from the schemas themselves, so a
// table added by a later migration is copied without this file changing.

// copySkipped are tables the target fills itself: its own Migrate writes
// schema_migrations (the versions are compared instead), and its replicas
// take their own leases (a copied one would hold a loop for up to a TTL).
var copySkipped = map[string]bool{"schema_migrations": true, "leases": true}

// copyDerived are tables kept by triggers on the tables they count: the
// target's triggers rebuild them as rows are inserted, and the rebuilt
// figures are compared with the source's (rows counting something, and the
// sum of the counts).
var copyDerived = map[string]string{
	"callback_day_counts":     "coalesce(sum(n), 0)",
	"disbursement_day_counts": "coalesce(sum(n), 0) + coalesce(sum(total), 0)",
}

// ErrTargetNotEmpty is returned, before anything is written, when a table
// of the target database already holds a row.
var ErrTargetNotEmpty = errors.New("store: the target database is not empty")

// TableCount is one table's rows.
type TableCount struct {
	Table string
	Rows  int64
}

// CopyCount is one table of a copy: rows in the source and in the target
// afterwards. Derived tables are rebuilt by the target's triggers, not
// copied (their Rows count the non-zero counters).
type CopyCount struct {
	Table          string
	Source, Target int64
	Derived        bool
}

// CopyOptions tune CopyFrom.
type CopyOptions struct {
	// Progress, when set, is told each table as it is done.
	Progress func(CopyCount)
}

// NonEmptyTables lists the tables of the store's database (except the
// schema bookkeeping) that hold at least one row, writing nothing. A
// database with no tables yet has none.
func (s *Store) NonEmptyTables(ctx context.Context) ([]TableCount, error) {
	return nonEmptyTables(ctx, sqlReader{s.db.WriteSQL()}, s.d)
}

// reader is the little a copy asks of either database: one column of
// strings, or one row.
type reader interface {
	strings(ctx context.Context, q string, args ...any) ([]string, error)
	row(ctx context.Context, q string, dest ...any) error
}

// sqlReader reads through database/sql (a pool or a transaction).
type sqlReader struct {
	q interface {
		QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	}
}

func (r sqlReader) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (r sqlReader) row(ctx context.Context, q string, dest ...any) error {
	return r.q.QueryRowContext(ctx, q).Scan(dest...)
}

// pgxReader reads through the copy's pgx transaction.
type pgxReader struct{ tx pgx.Tx }

func (r pgxReader) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := r.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (r pgxReader) row(ctx context.Context, q string, dest ...any) error {
	return r.tx.QueryRow(ctx, q).Scan(dest...)
}

func nonEmptyTables(ctx context.Context, r reader, d dialect) ([]TableCount, error) {
	tables, err := tableNames(ctx, r, d)
	if err != nil {
		return nil, err
	}
	var out []TableCount
	for _, t := range tables {
		if copySkipped[t] {
			continue
		}
		var n int64
		if err := r.row(ctx, "SELECT count(*) FROM "+quoteIdent(t), &n); err != nil {
			return nil, fmt.Errorf("store: count %s: %w", t, err)
		}
		if n > 0 {
			out = append(out, TableCount{t, n})
		}
	}
	return out, nil
}

// tableNames lists the database's tables, sorted: SQLite's from
// sqlite_master, PostgreSQL's base tables in the connection's schema.
func tableNames(ctx context.Context, r reader, d dialect) ([]string, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if d.pg {
		query = `SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	out, err := r.strings(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: list tables: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

// pgColumn is a column of a target table.
type pgColumn struct {
	name, dataType string
	identity       bool
}

// CopyFrom copies every table of src (a SQLite store at the same schema
// version) into s (a migrated PostgreSQL store whose tables are empty), in
// one transaction: it refuses a target holding any row (ErrTargetNotEmpty,
// nothing written), streams each table with COPY in foreign-key order,
// keeping ids, converts SQLite's loose types to the target's columns, sets
// each identity sequence past the largest id, then compares every table's
// rows with the source's and commits only when all agree.
func (s *Store) CopyFrom(ctx context.Context, src *Store, opts CopyOptions) ([]CopyCount, error) {
	if !s.d.pg || src.d.pg {
		return nil, errors.New("store: CopyFrom copies a SQLite database into PostgreSQL")
	}
	sv, err := src.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: source schema version: %w", err)
	}
	tv, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: target schema version: %w", err)
	}
	if sv != tv {
		return nil, fmt.Errorf("store: the source is at schema version %d and the target at %d: migrate both with this build first", sv, tv)
	}

	// One read transaction on the source: every table is read from the
	// same snapshot, even if a dashboard still writes to the file.
	stx, err := src.db.ReadSQL().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: read the source: %w", err)
	}
	defer stx.Rollback()

	conn, err := s.db.WriteSQL().Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var counts []CopyCount
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		counts, err = copyInto(ctx, stx, tx, opts)
		if err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

func copyInto(ctx context.Context, src *sql.Tx, dst pgx.Tx, opts CopyOptions) ([]CopyCount, error) {
	// Two copies started together: the second waits, then finds rows.
	if _, err := dst.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('migrate-to-postgres ' || current_schema()))"); err != nil {
		return nil, err
	}
	srcTables, err := tableNames(ctx, sqlReader{src}, sqliteDialect)
	if err != nil {
		return nil, err
	}
	dq := pgxReader{dst}
	dstTables, err := tableNames(ctx, dq, postgresDialect)
	if err != nil {
		return nil, err
	}
	if missing, extra := diffSorted(srcTables, dstTables); len(missing)+len(extra) > 0 {
		return nil, fmt.Errorf("store: the two schemas differ: only in SQLite %v, only in PostgreSQL %v", missing, extra)
	}
	full, err := nonEmptyTables(ctx, dq, postgresDialect)
	if err != nil {
		return nil, err
	}
	if len(full) > 0 {
		return nil, nonEmptyError(full)
	}
	order, err := foreignKeyOrder(ctx, dst, dstTables)
	if err != nil {
		return nil, err
	}
	var counts []CopyCount
	for _, t := range order {
		if copySkipped[t] {
			continue
		}
		var c CopyCount
		if _, ok := copyDerived[t]; ok {
			continue // compared once every table it counts is in
		}
		if c, err = copyTable(ctx, src, dst, t); err != nil {
			return nil, err
		}
		counts = append(counts, c)
		if opts.Progress != nil {
			opts.Progress(c)
		}
	}
	for _, t := range order {
		sum, ok := copyDerived[t]
		if !ok {
			continue
		}
		c, err := compareDerived(ctx, src, dst, t, sum)
		if err != nil {
			return nil, err
		}
		counts = append(counts, c)
		if opts.Progress != nil {
			opts.Progress(c)
		}
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i].Table < counts[j].Table })
	return counts, nil
}

// NonEmptyError names the tables that hold rows.
func nonEmptyError(full []TableCount) error {
	var b strings.Builder
	for i, t := range full {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%d rows)", t.Table, t.Rows)
	}
	return fmt.Errorf("%w: %s; copy only into a freshly created database", ErrTargetNotEmpty, b.String())
}

func copyTable(ctx context.Context, src *sql.Tx, dst pgx.Tx, table string) (CopyCount, error) {
	cols, err := targetColumns(ctx, dst, table)
	if err != nil {
		return CopyCount{}, err
	}
	srcCols, err := sqliteColumns(ctx, src, table)
	if err != nil {
		return CopyCount{}, err
	}
	names := make([]string, len(cols))
	quoted := make([]string, len(cols))
	for i, c := range cols {
		names[i], quoted[i] = c.name, quoteIdent(c.name)
	}
	sorted := slices.Sorted(slices.Values(names))
	if missing, extra := diffSorted(srcCols, sorted); len(missing)+len(extra) > 0 {
		return CopyCount{}, fmt.Errorf("store: table %s differs: columns only in SQLite %v, only in PostgreSQL %v", table, missing, extra)
	}
	c := CopyCount{Table: table}
	if err := src.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(table)).Scan(&c.Source); err != nil {
		return c, fmt.Errorf("store: count %s in SQLite: %w", table, err)
	}
	q := "SELECT " + strings.Join(quoted, ", ") + " FROM " + quoteIdent(table)
	if slices.Contains(names, "id") {
		q += " ORDER BY id" // rows pointing at earlier rows of their table come after them
	}
	rows, err := src.QueryContext(ctx, q)
	if err != nil {
		return c, fmt.Errorf("store: read %s: %w", table, err)
	}
	defer rows.Close()
	source := &sqliteRows{rows: rows, table: table, cols: cols, vals: make([]any, len(cols))}
	copied, err := dst.CopyFrom(ctx, pgx.Identifier{table}, names, source)
	if err == nil {
		err = source.err
	}
	if err != nil {
		return c, fmt.Errorf("store: copy %s: %w", table, err)
	}
	if err := dst.QueryRow(ctx, "SELECT count(*) FROM "+quoteIdent(table)).Scan(&c.Target); err != nil {
		return c, fmt.Errorf("store: count %s in PostgreSQL: %w", table, err)
	}
	if c.Target != c.Source || copied != c.Source {
		return c, fmt.Errorf("store: table %s: %d rows in SQLite, %d copied, %d in PostgreSQL", table, c.Source, copied, c.Target)
	}
	for _, col := range cols {
		if !col.identity {
			continue
		}
		// The next id the sequence hands out is past every copied one.
		if _, err := dst.Exec(ctx, fmt.Sprintf(
			"SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(%s) FROM %s), 0) + 1, false)",
			quoteIdent(col.name), quoteIdent(table)), quoteIdent(table), col.name); err != nil {
			return c, fmt.Errorf("store: reset the id sequence of %s: %w", table, err)
		}
	}
	return c, nil
}

// compareDerived checks a trigger-kept counter table rebuilt on the target
// against the source's: the rows counting something and the sum of counts.
func compareDerived(ctx context.Context, src *sql.Tx, dst pgx.Tx, table, sum string) (CopyCount, error) {
	c := CopyCount{Table: table, Derived: true}
	q := "SELECT count(*) FILTER (WHERE n <> 0), " + sum + " FROM " + quoteIdent(table)
	var ssum, tsum int64
	if err := src.QueryRowContext(ctx, q).Scan(&c.Source, &ssum); err != nil {
		return c, fmt.Errorf("store: read %s in SQLite: %w", table, err)
	}
	if err := dst.QueryRow(ctx, q).Scan(&c.Target, &tsum); err != nil {
		return c, fmt.Errorf("store: read %s in PostgreSQL: %w", table, err)
	}
	if c.Source != c.Target || ssum != tsum {
		return c, fmt.Errorf("store: %s rebuilt by PostgreSQL's triggers differs from SQLite's: %d counters (sum %d) against %d (sum %d)",
			table, c.Target, tsum, c.Source, ssum)
	}
	return c, nil
}

func targetColumns(ctx context.Context, dst pgx.Tx, table string) ([]pgColumn, error) {
	rows, err := dst.Query(ctx, `SELECT column_name, data_type, is_identity = 'YES' FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, fmt.Errorf("store: columns of %s: %w", table, err)
	}
	defer rows.Close()
	var out []pgColumn
	for rows.Next() {
		var c pgColumn
		if err := rows.Scan(&c.name, &c.dataType, &c.identity); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func sqliteColumns(ctx context.Context, src *sql.Tx, table string) ([]string, error) {
	rows, err := src.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, fmt.Errorf("store: columns of %s in SQLite: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out, rows.Err()
}

// foreignKeyOrder sorts the tables so that every table comes after the
// tables its foreign keys point at (a table pointing at itself is copied in
// id order instead).
func foreignKeyOrder(ctx context.Context, dst pgx.Tx, tables []string) ([]string, error) {
	rows, err := dst.Query(ctx, `SELECT c.relname, p.relname FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
		JOIN pg_namespace n ON n.oid = k.connamespace
		WHERE k.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, fmt.Errorf("store: read foreign keys: %w", err)
	}
	needs := map[string]map[string]bool{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			rows.Close()
			return nil, err
		}
		if from != to {
			if needs[from] == nil {
				needs[from] = map[string]bool{}
			}
			needs[from][to] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var order []string
	done := map[string]bool{}
	for len(order) < len(tables) {
		progressed := false
		for _, t := range tables {
			if done[t] {
				continue
			}
			ready := true
			for dep := range needs[t] {
				if !done[dep] {
					ready = false
					break
				}
			}
			if ready {
				done[t] = true
				order = append(order, t)
				progressed = true
			}
		}
		if !progressed {
			var left []string
			for _, t := range tables {
				if !done[t] {
					left = append(left, t)
				}
			}
			return nil, fmt.Errorf("store: the foreign keys of %v form a cycle; no copy order exists", left)
		}
	}
	return order, nil
}

// sqliteRows feeds COPY from a SQLite query, converting each value to
// the target column's type.
type sqliteRows struct {
	rows  *sql.Rows
	table string
	cols  []pgColumn
	vals  []any
	row   int64
	err   error
}

func (r *sqliteRows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	r.row++
	raw := make([]any, len(r.cols))
	ptrs := make([]any, len(r.cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if r.err = r.rows.Scan(ptrs...); r.err != nil {
		return false
	}
	for i, c := range r.cols {
		v, err := convertValue(raw[i], c.dataType)
		if err != nil {
			r.err = fmt.Errorf("row %d (in id order), column %s: %w", r.row, c.name, err)
			return false
		}
		r.vals[i] = v
	}
	return true
}

func (r *sqliteRows) Values() ([]any, error) { return r.vals, nil }

func (r *sqliteRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

// sqliteTimeLayouts are the layouts the SQLite driver writes and reads
// (mattn/go-sqlite3's SQLiteTimestampFormats), for a DATETIME it handed back
// as text.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
	time.RFC3339Nano,
}

// convertValue turns a value read from SQLite (int64, float64, string,
// []byte, time.Time, bool or nil) into the PostgreSQL column type named by
// information_schema. Anything that does not fit exactly is an error: a
// copy that guesses could change a ledger.
func convertValue(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch pgType {
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, nil
			}
		case []byte:
			if n, err := strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64); err == nil {
				return n, nil
			}
		}
	case "timestamp with time zone":
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case string:
			return parseSQLiteTime(x)
		case []byte:
			return parseSQLiteTime(string(x))
		}
	case "text":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano), nil
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	default:
		return nil, fmt.Errorf("no conversion to PostgreSQL type %s", pgType)
	}
	return nil, fmt.Errorf("%T value %.40q does not fit PostgreSQL type %s", v, fmt.Sprint(v), pgType)
}

func parseSQLiteTime(s string) (time.Time, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "Z")
	for _, l := range sqliteTimeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("text %.40q is not a time", s)
}

// diffSorted returns what only a has and what only b has.
func diffSorted(a, b []string) (onlyA, onlyB []string) {
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if _, ok := slices.BinarySearch(a, x); !ok {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
