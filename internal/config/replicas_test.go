package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On PostgreSQL a key is never generated: missing ones are named; set in
// the environment, or already in the data directory, they pass. SQLite
// keeps generating them.
func TestSharedSecretsOnPostgreSQL(t *testing.T) {
	dir := t.TempDir()
	key := strings.Repeat("ab", 32)
	env := map[string]string{"DASHBOARD_DATA_DIR": dir, "DATABASE_URL": "postgres://app@db.internal/backoffice",
		"DASHBOARD_SESSION_HASH_KEY": key, "OY_CALLBACK_TOKEN": "oy-token"}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckSharedSecrets()
	if err == nil {
		t.Fatal("missing keys accepted on PostgreSQL")
	}
	for _, want := range []string{"DASHBOARD_SESSION_BLOCK_KEY", "FASPAY_CALLBACK_TOKEN", "AYOPOP_CALLBACK_TOKEN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %s: %v", want, err)
		}
	}
	for _, set := range []string{"DASHBOARD_SESSION_HASH_KEY", "OY_CALLBACK_TOKEN"} {
		if strings.Contains(err.Error(), set) {
			t.Errorf("message names %s, which is set: %v", set, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the check wrote %d files", len(entries))
	}
	// Files a single dashboard generated before it moved to PostgreSQL count.
	for _, f := range []string{"session-block.key", "faspay-callback.token"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(key+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env["AYOPOP_CALLBACK_TOKEN"] = "ayopop-token"
	if c, err = Load(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckSharedSecrets(); err != nil {
		t.Fatalf("every key set or kept: %v", err)
	}
	// SQLite: one process, generated keys are fine.
	sq, err := Load(func(k string) string { return map[string]string{"DASHBOARD_DATA_DIR": t.TempDir()}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := sq.CheckSharedSecrets(); err != nil {
		t.Fatalf("SQLite: %v", err)
	}
}
