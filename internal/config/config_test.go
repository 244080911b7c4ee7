package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsRunAgainstTheSandboxes(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.DatabaseURL != filepath.Join("data", "dashboard.db") {
		t.Fatalf("defaults: %+v", c)
	}
	if ProviderMode(c.OY.BaseURL) != "sandbox" || c.SecureCookies() {
		t.Fatal("default mode or cookies wrong")
	}
	c, _ = Load(envOf(map[string]string{"DASHBOARD_BASE_URL": "https://pay.example.co.id/", "OY_BASE_URL": "https://partner.oyindonesia.com"}))
	if !c.SecureCookies() || c.BaseURL != "https://pay.example.co.id" || ProviderMode(c.OY.BaseURL) != "live" {
		t.Fatalf("https config: %+v", c)
	}
}

func TestBadSettingsAreRefusedWithTheirName(t *testing.T) {
	for k, v := range map[string]string{
		"DASHBOARD_ADDR":              "8080",
		"DASHBOARD_BASE_URL":          "ftp://x",
		"DASHBOARD_SESSION_HASH_KEY":  "not-hex",
		"DASHBOARD_SESSION_BLOCK_KEY": "abcd",
	} {
		if _, err := Load(envOf(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v", k, v, err)
		}
	}
}

func TestSecretsAreGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	c1, _ := Load(envOf(map[string]string{"DASHBOARD_DATA_DIR": dir}))
	if err := c1.EnsureSecrets(); err != nil {
		t.Fatal(err)
	}
	c2, _ := Load(envOf(map[string]string{"DASHBOARD_DATA_DIR": dir}))
	if err := c2.EnsureSecrets(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c1.SessionHashKey, c2.SessionHashKey) || c1.OY.CallbackToken != c2.OY.CallbackToken || len(c1.SessionBlockKey) != 32 {
		t.Fatal("secrets changed across a restart")
	}
	st, _ := os.Stat(filepath.Join(dir, "session-hash.key"))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", st.Mode().Perm())
	}
	// Set in the environment, a key wins over the file.
	c3, _ := Load(envOf(map[string]string{"DASHBOARD_DATA_DIR": dir, "DASHBOARD_SESSION_HASH_KEY": strings.Repeat("11", 32), "OY_CALLBACK_TOKEN": "from-env"}))
	c3.EnsureSecrets()
	if c3.SessionHashKey[0] != 0x11 || c3.OY.CallbackToken != "from-env" {
		t.Fatal("environment did not win")
	}
}
