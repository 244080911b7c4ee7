package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"backoffice/internal/db"
)

// floorStore is the least a durable SQLite intake can do, run as a third
// side of the bench: the handler reads the body and queues it; one
// goroutine appends every queued body as an (id, body) row to a table with
// no index, in one transaction per group, on a connection with the
// dashboard's own settings (internal/db: WAL, synchronous=FULL); each
// request is answered once its group has committed. No verification, no
// parsing, no headers, no duplicate look-up, no references, no worker.
//
// Whatever the dashboard stores must cost at least this much, so the
// floor's rate is an upper bound for any intake that keeps callbacks in
// SQLite durably before answering, on the machine and load of the same run.
//
// On PostgreSQL (the -database mode) the table is (body bytea) with no
// index at all, written the same way over the same kind of pool as the
// dashboard's, with synchronous_commit=on: each group's commit waits for
// its WAL flush.
type floorStore struct {
	pg    bool
	db    *db.DB
	sqlDB *sql.DB
	queue chan *floorItem
	stmts map[int]*sql.Stmt
	wg    sync.WaitGroup
	rows  int64
}

type floorItem struct {
	body []byte
	done chan error
}

// floorChunk rows go into one multi-row INSERT.
const floorChunk = 100

// openFloor opens the floor's database: a SQLite file, or a PostgreSQL URL.
func openFloor(path string) (*floorStore, error) {
	d, err := db.Open(path)
	if err != nil {
		return nil, err
	}
	f := &floorStore{pg: d.Dialect == db.Postgres, db: d, sqlDB: d.WriteSQL(), queue: make(chan *floorItem, 4096), stmts: map[int]*sql.Stmt{}}
	create := "CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"
	if f.pg {
		create = "CREATE TABLE IF NOT EXISTS floor (body bytea NOT NULL)"
	}
	if _, err := f.sqlDB.Exec(create); err != nil {
		d.Close()
		return nil, fmt.Errorf("floor: create table: %w", err)
	}
	if _, err := f.stmt(floorChunk); err != nil {
		d.Close()
		return nil, err
	}
	f.wg.Add(1)
	go f.run()
	return f, nil
}

// stmt is the prepared INSERT for n rows (prepared between transactions:
// the writer pool has one connection).
func (f *floorStore) stmt(n int) (*sql.Stmt, error) {
	if st, ok := f.stmts[n]; ok {
		return st, nil
	}
	q := "INSERT INTO floor (id, body) VALUES (?,?)" + strings.Repeat(",(?,?)", n-1)
	if f.pg {
		var b strings.Builder
		b.WriteString("INSERT INTO floor (body) VALUES ($1)")
		for i := 2; i <= n; i++ {
			fmt.Fprintf(&b, ",($%d)", i)
		}
		q = b.String()
	}
	st, err := f.sqlDB.Prepare(q)
	if err != nil {
		return nil, fmt.Errorf("floor: prepare: %w", err)
	}
	f.stmts[n] = st
	return st, nil
}

func (f *floorStore) run() {
	defer f.wg.Done()
	batch := make([]*floorItem, 0, 1024)
	for it := range f.queue {
		batch = append(batch[:0], it)
	drain:
		for len(batch) < cap(batch) {
			select {
			case it, ok := <-f.queue:
				if !ok {
					break drain
				}
				batch = append(batch, it)
			default:
				break drain
			}
		}
		// Shapes other than a full chunk are prepared before the transaction.
		if rest := len(batch) % floorChunk; rest != 0 {
			_, _ = f.stmt(rest)
		}
		err := f.commit(batch)
		for _, it := range batch {
			it.done <- err
		}
	}
}

func (f *floorStore) commit(batch []*floorItem) error {
	tx, err := f.sqlDB.Begin()
	if err != nil {
		return err
	}
	args := make([]any, 0, 2*floorChunk)
	for start := 0; start < len(batch); start += floorChunk {
		chunk := batch[start:min(start+floorChunk, len(batch))]
		args = args[:0]
		for i, it := range chunk {
			if f.pg {
				args = append(args, it.body)
			} else {
				args = append(args, f.rows+int64(start+i)+1, it.body)
			}
		}
		st, err := f.stmt(len(chunk))
		if err != nil {
			_ = tx.Rollback()
			return err
		}
		if _, err := tx.Stmt(st).Exec(args...); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	f.rows += int64(len(batch))
	return nil
}

// ServeHTTP stores the body, then answers like the other two sides.
func (f *floorStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "body could not be read", http.StatusBadRequest)
		return
	}
	it := &floorItem{body: body, done: make(chan error, 1)}
	f.queue <- it
	if err := <-it.done; err != nil {
		http.Error(w, "not stored", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"received"}`))
}

// stored counts the rows on disk, to check that every answered request is there.
func (f *floorStore) stored(ctx context.Context) (int64, error) {
	var n int64
	err := f.db.ReadSQL().QueryRowContext(ctx, "SELECT count(*) FROM floor").Scan(&n)
	return n, err
}

// Close stops the writer and closes the database. Handlers must be done.
func (f *floorStore) Close() {
	close(f.queue)
	f.wg.Wait()
	for _, st := range f.stmts {
		st.Close()
	}
	_ = f.db.Close()
}
