package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sharedSecrets are the keys every replica must hold the same value of:
// the session cookie keys (the block key also seals second-factor secrets)
// and the callback tokens providers put in the URLs they call. Each comes
// from its variable, else from its file in the data directory, which
// EnsureSecrets generates on first start.
func (c *Config) sharedSecrets() []struct {
	env, file string
	set       bool
} {
	return []struct {
		env, file string
		set       bool
	}{
		{"DASHBOARD_SESSION_HASH_KEY", "session-hash.key", c.SessionHashKey != nil},
		{"DASHBOARD_SESSION_BLOCK_KEY", "session-block.key", c.SessionBlockKey != nil},
		{"OY_CALLBACK_TOKEN", "oy-callback.token", c.OY.CallbackToken != ""},
		{"FASPAY_CALLBACK_TOKEN", "faspay-callback.token", c.Faspay.CallbackToken != ""},
		{"AYOPOP_CALLBACK_TOKEN", "ayopop-callback.token", c.Ayopop.CallbackToken != ""},
	}
}

// CheckSharedSecrets refuses, on PostgreSQL, to let EnsureSecrets generate
// a key: replicas share the database, and a second replica would generate
// different keys (its sessions, sealed second-factor secrets and callback
// URLs would not match the first's). A key set in the environment, or
// already in the data directory (a single dashboard moved from SQLite),
// is used as before. SQLite (one process) keeps generating them.
func (c *Config) CheckSharedSecrets() error {
	if !isPostgresURL(c.DatabaseURL) {
		return nil
	}
	var missing []string
	for _, s := range c.sharedSecrets() {
		if s.set {
			continue
		}
		_, err := os.Stat(filepath.Join(c.DataDir, s.file))
		if errors.Is(err, os.ErrNotExist) {
			missing = append(missing, s.env)
		} else if err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("config: DATABASE_URL is PostgreSQL, so several replicas may share it, and %s %s not set: "+
		"a replica would generate its own and the others would not accept its sessions, second-factor secrets or callback URLs. "+
		"Generate each once (openssl rand -hex 32) and give every replica the same values (README, Several replicas)",
		strings.Join(missing, ", "), map[bool]string{true: "is", false: "are"}[len(missing) == 1])
}
