package store

import (
	"context"

	"gorm.io/gorm"
)

// Where list pages read (docs/postgres.md, "Read replica"). With
// DATABASE_READ_URL set, list pages, their counts, exports and the
// overview may read the streaming replica; everything else (record pages,
// money paths, sign-in, anything inside a write) reads the primary. A
// context must ask for the replica: code that does not say, such as the
// background loops, reads the primary.

type readFromKey struct{}

type readFrom int

const (
	readPrimary readFrom = iota + 1
	readReplica
)

// FromReplica marks ctx as a page read that the replica may answer. The
// web layer sets it on GET requests.
func FromReplica(ctx context.Context) context.Context {
	return context.WithValue(ctx, readFromKey{}, readReplica)
}

// FromPrimary marks ctx as reading the primary, list pages included: a
// user's own changes are read back from the primary while the replica may
// still be behind.
func FromPrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, readFromKey{}, readPrimary)
}

// ReadsReplica reports whether list reads under ctx go to the replica
// (when one is open).
func ReadsReplica(ctx context.Context) bool {
	return ctx.Value(readFromKey{}) == readReplica
}

// listDB is the handle a list page, its counts or an export reads: the
// replica when one is open and ctx asks for it, otherwise the primary's
// list pool (on PostgreSQL it plans each statement for its values).
func (s *Store) listDB(ctx context.Context) *gorm.DB {
	if s.db.Replica != nil && ReadsReplica(ctx) {
		return s.db.Replica.WithContext(ctx)
	}
	return s.db.Lists.WithContext(ctx)
}

// HasReplica reports whether DATABASE_READ_URL is open.
func (s *Store) HasReplica() bool { return s.db.Replica != nil }

// PingReplica checks the read replica, for readiness: nil when it answers
// or there is none. While it fails, list pages read the primary.
func (s *Store) PingReplica(ctx context.Context) error { return s.db.PingReplica(ctx) }

// DatabaseInfo says which database the dashboard runs on, for the
// settings page: the dialect, where (a SQLite file, or a PostgreSQL URL
// without its password), and the read replica's state.
type DatabaseInfo struct {
	Postgres bool
	Where    string
	// Replica: DATABASE_READ_URL is set. ReplicaUp: it answered a ping
	// just now. ReplicaFallbacks: queries meant for it that the primary
	// answered since start-up.
	Replica          bool
	ReplicaUp        bool
	ReplicaFallbacks int64
}

// Database describes the database, pinging the replica when there is one.
func (s *Store) Database(ctx context.Context) DatabaseInfo {
	info := DatabaseInfo{Postgres: s.d.pg, Where: s.db.Path, Replica: s.HasReplica()}
	if info.Replica {
		info.ReplicaUp = s.PingReplica(ctx) == nil
		info.ReplicaFallbacks = s.db.ReplicaFallbacks()
	}
	return info
}
