package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Every connection of both pools must carry the PRAGMAs, not just the first.
func TestEveryPooledConnectionHasThePragmas(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()

	check := func(name string, pool *sql.DB, n int, wantQueryOnly int) {
		conns := make([]*sql.Conn, n)
		for i := range conns {
			c, err := pool.Conn(ctx) // held, so each is a distinct connection
			if err != nil {
				t.Fatal(err)
			}
			conns[i] = c
		}
		for i, c := range conns {
			var journal string
			var syncMode, busy, fk, queryOnly int
			for _, q := range []struct {
				sql string
				dst any
			}{
				{"PRAGMA journal_mode", &journal},
				{"PRAGMA synchronous", &syncMode},
				{"PRAGMA busy_timeout", &busy},
				{"PRAGMA foreign_keys", &fk},
				{"PRAGMA query_only", &queryOnly},
			} {
				if err := c.QueryRowContext(ctx, q.sql).Scan(q.dst); err != nil {
					t.Fatalf("%s conn %d %s: %v", name, i, q.sql, err)
				}
			}
			if !strings.EqualFold(journal, "wal") || syncMode != 2 || busy != int(BusyTimeout.Milliseconds()) || fk != 1 || queryOnly != wantQueryOnly {
				t.Errorf("%s conn %d: journal=%s synchronous=%d busy=%d fk=%d query_only=%d", name, i, journal, syncMode, busy, fk, queryOnly)
			}
		}
		for _, c := range conns {
			c.Close()
		}
	}
	check("writer", d.WriteSQL(), 1, 0)
	check("reader", d.ReadSQL(), ReadConns, 1)
}

// Write transactions must take the write lock at BEGIN (immediate), so two
// writers never deadlock upgrading from a read lock.
func TestWriteTransactionsAreImmediate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.WriteSQL().Exec("CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	tx, err := d.WriteSQL().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// A second, independent writer must now be locked out even though tx has not written yet.
	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=50")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec("INSERT INTO t VALUES (1)"); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("write during an open immediate transaction: err=%v, want database is locked", err)
	}
}

func TestReadersCannotWrite(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ReadSQL().Exec("CREATE TABLE t (x INTEGER)"); err == nil {
		t.Fatal("reader pool accepted a write")
	}
}

func TestConcurrentWritersSerialise(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Write.Exec("CREATE TABLE t (x INTEGER)").Error; err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Write.Exec("INSERT INTO t VALUES (?)", i).Error; err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var n int
	d.Read.Raw("SELECT count(*) FROM t").Scan(&n)
	if n != 50 {
		t.Fatalf("rows = %d, want 50", n)
	}
}

func TestRefusesNonFileDatabases(t *testing.T) {
	for _, dsn := range []string{"", ":memory:", "postgres://x", "file::memory:"} {
		if _, err := Open(dsn); err == nil {
			t.Errorf("Open(%q) accepted", dsn)
		}
	}
}
