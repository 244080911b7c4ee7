package db

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The database and its WAL and shared-memory files hold every money record:
// only the owner may read them, whatever the umask, and looser modes left
// behind are tightened at the next start.
func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "data", "t.db")
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.WriteSQL().Exec("CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
	st, _ := os.Stat(filepath.Dir(path))
	if st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %04o, want 0700", st.Mode().Perm())
	}
	d.Close()

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("reopened: mode %04o, want 0600", st.Mode().Perm())
	}
}
