package store

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// The little SQL that is SQLite's own lives here, so a second database
// (PostgreSQL) adds one file instead of touching every query. Everything
// else is GORM or plain SQL with ? placeholders (GORM rebinds them for
// PostgreSQL; the few database/sql statements of the callback hot path
// would go through one rebind when that dialect is added).

// jsonValues is a subquery yielding the elements of one bound JSON array:
// a group of ids or keys goes in as one parameter, so the statement's
// shape never changes and it is prepared once. (PostgreSQL:
// SELECT json_array_elements_text(?::json).)
const jsonValues = "SELECT value FROM json_each(?)"

// isUniqueViolation recognises a UNIQUE or PRIMARY KEY violation by the
// driver's extended result code, not by the words of its message.
// (PostgreSQL: SQLSTATE 23505.)
func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
}
