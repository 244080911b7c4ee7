package store

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"backoffice/internal/db"
)

// The little SQL that differs between SQLite and PostgreSQL lives here, so
// queries elsewhere are GORM or plain SQL with ? placeholders and, where
// the two databases disagree, one of these pieces (docs/postgres.md).
// Queries are written in SQLite's form, which stays exactly as it was; the
// PostgreSQL form is chosen at run time from the open database.

// dialect is the SQL of one database.
type dialect struct {
	pg bool
	// True and False are boolean literals: flag columns are INTEGER 0/1 on
	// SQLite (its partial indexes say "verified = 0", so queries must too)
	// and boolean on PostgreSQL.
	True, False string
	// Like is the case-insensitive LIKE: SQLite's LIKE ignores ASCII case,
	// PostgreSQL's does not (ILIKE does).
	Like string
}

var (
	sqliteDialect   = dialect{True: "1", False: "0", Like: "LIKE"}
	postgresDialect = dialect{pg: true, True: "true", False: "false", Like: "ILIKE"}
)

func dialectFor(d db.Dialect) dialect {
	if d == db.Postgres {
		return postgresDialect
	}
	return sqliteDialect
}

// dialectOf is the dialect of a GORM handle, for helpers that get a query
// and not the store.
func dialectOf(q *gorm.DB) dialect {
	if q.Dialector != nil && q.Dialector.Name() == "postgres" {
		return postgresDialect
	}
	return sqliteDialect
}

// is compares a flag column with a literal: "verified = 1" or "verified = true".
func (d dialect) is(col string, v bool) string {
	if v {
		return col + " = " + d.True
	}
	return col + " = " + d.False
}

// eqNoCase compares col with one bound value, ignoring case: SQLite's
// NOCASE collation (the column's unique index) or lower() on both sides
// (PostgreSQL's unique index is on lower(col)).
func (d dialect) eqNoCase(col string) string {
	if d.pg {
		return "lower(" + col + ") = lower(?)"
	}
	return col + " = ? COLLATE NOCASE"
}

// noCase is col as an ORDER BY term that ignores case.
func (d dialect) noCase(col string) string {
	if d.pg {
		return "lower(" + col + ")"
	}
	return col + " COLLATE NOCASE"
}

// wibDay is the WIB calendar day (YYYY-MM-DD) of a UTC time column, as the
// day counters store it. PostgreSQL's wib_day() is made by migration 10.
func (d dialect) wibDay(col string) string {
	if d.pg {
		return "wib_day(" + col + ")"
	}
	return "date(" + col + ", '+7 hours')"
}

// inIDs is "col IN (sub)", sub selecting a small set of ids (a reference
// prefix's matches, fewer than refWalkAt). PostgreSQL is given the set as
// an array gathered first (ARRAY(sub), an init plan run once), so it walks
// col's index for just those values, newest first; with IN it merges the
// set with a walk of the whole index, taking the matches for spread evenly
// over it, and an old reference walked a million rows to its first match.
func (d dialect) inIDs(col, sub string) string {
	if d.pg {
		return col + " = ANY(ARRAY(" + sub + "))"
	}
	return col + " IN (" + sub + ")"
}

// noIndex keeps the planner off col's index: SQLite's unary + does that
// (the id range chosen beside it is the better path); PostgreSQL has no
// such hint and no need of it.
func (d dialect) noIndex(col string) string {
	if d.pg {
		return col
	}
	return "+" + col
}

// indexedBy names table with SQLite's INDEXED BY hint; PostgreSQL plans
// by itself.
func (d dialect) indexedBy(table, index string) string {
	if d.pg {
		return table
	}
	return table + " INDEXED BY " + index
}

// contains is the test "needle occurs in haystack" for SQL expressions.
func (d dialect) contains(haystack, needle string) string {
	if d.pg {
		return "strpos(" + haystack + ", " + needle + ") > 0"
	}
	return "instr(" + haystack + ", " + needle + ") > 0"
}

// jsonValues is a subquery yielding the elements of one bound JSON array
// of strings: a group of keys goes in as one parameter, so the statement's
// shape never changes and it is prepared once. jsonIDs is the same for an
// array of integer ids (PostgreSQL will not compare bigint with text).
// Statements using them go through sql(), which gives PostgreSQL's form.
const (
	jsonValues = "SELECT value FROM json_each(?)"
	jsonIDs    = "SELECT value FROM json_each(?) AS ids"

	pgJSONValues = "SELECT value FROM json_array_elements_text(CAST(? AS json)) AS t(value)"
	pgJSONIDs    = "SELECT CAST(value AS bigint) AS value FROM json_array_elements_text(CAST(? AS json)) AS ids(value)"
)

// sql is q for this database, for the statements that go straight to
// database/sql rather than through GORM: PostgreSQL gets its JSON array
// pieces and $1, $2... placeholders. SQLite gets q unchanged.
func (d dialect) sql(q string) string {
	if !d.pg {
		return q
	}
	q = strings.ReplaceAll(q, jsonIDs, pgJSONIDs)
	q = strings.ReplaceAll(q, jsonValues, pgJSONValues)
	return rebind(q)
}

// rebind turns ? placeholders into $1, $2... outside quoted strings and
// identifiers.
func rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// lockKey serialises transactions that share key until they end, where
// the database does not already (SQLite has one writer: its write
// transactions never overlap). PostgreSQL takes a transaction-scoped
// advisory lock on the key's hash.
func (d dialect) lockKey(tx *gorm.DB, key string) error {
	if !d.pg {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", key).Error
}

// forUpdate locks the rows tx reads next until the transaction ends, on
// PostgreSQL (SELECT ... FOR UPDATE): a decision made on a record it read
// holds even with other writers at work, and a second decider waits, then
// reads the record as the first left it. SQLite needs no lock, its write
// transactions never overlap, and GORM leaves the clause out there.
func forUpdate(tx *gorm.DB) *gorm.DB { return tx.Clauses(clause.Locking{Strength: "UPDATE"}) }

// createOrViolation inserts v for a caller that carries on after a unique
// violation: on PostgreSQL a failed statement aborts the whole transaction,
// so the insert runs under a savepoint that the violation rolls back to.
func createOrViolation(tx *gorm.DB, v any) error {
	if !dialectOf(tx).pg {
		return tx.Create(v).Error
	}
	if err := tx.SavePoint("before_insert").Error; err != nil {
		return err
	}
	err := tx.Create(v).Error
	if isUniqueViolation(err) {
		if rerr := tx.RollbackTo("before_insert").Error; rerr != nil {
			return rerr
		}
	}
	return err
}

// isUniqueViolation recognises a UNIQUE or PRIMARY KEY violation by the
// driver's code, not by the words of its message: SQLite's extended result
// code, PostgreSQL's SQLSTATE 23505.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
}
