// Package store holds every query of the dashboard, one file per entity.
// Writes go through the single writer connection, reads through the pool.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"

	"backoffice/internal/db"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrDuplicate is returned when a unique value is already taken.
var ErrDuplicate = errors.New("store: already exists")

var errAlreadyApplied = errors.New("store: migration already applied")

// Store is the dashboard's data access.
type Store struct {
	db *db.DB
	d  dialect // SQL pieces that differ between SQLite and PostgreSQL

	refOnce sync.Once
	refStmt *sql.Stmt
	refErr  error

	finishOnce  sync.Once
	finishStmts map[string]*sql.Stmt
	finishErr   error

	refusals refusalCounts
}

// New wraps an open database.
func New(d *db.DB) *Store { return &Store{db: d, d: dialectFor(d.Dialect)} }

// Ping checks that both pools answer (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Page is one page of a keyset-paginated list, newest first.
type Page[T any] struct {
	Items []T
	// Next is the cursor for the following page: the smallest id shown.
	// Zero when this is the last page.
	Next int64
	// Newer is the cursor for the page before this one (rows after it):
	// the largest id shown. Zero on the newest page.
	Newer int64
}

// PageSize is the default rows per page.
const PageSize = 50

// quick drops cancellation from ctx for short statements on the hot
// callback path. With a cancellable context the SQLite driver runs every
// step (each row read, each exec) in a goroutine of its own so it can
// interrupt it; for indexed statements that take microseconds that costs
// far more than it could ever save.
func quick(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// first loads the one row of T that q (and conds, such as an id) selects,
// in q's order if it has one; ErrNotFound when there is none.
func first[T any](q *gorm.DB, conds ...any) (*T, error) {
	var v T
	err := q.Take(&v, conds...).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &v, nil
}
