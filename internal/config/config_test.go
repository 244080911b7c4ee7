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
	c, err = Load(envOf(map[string]string{"DASHBOARD_BASE_URL": "https://pay.example.co.id/", "OY_BASE_URL": "https://partner.oyindonesia.com",
		"OY_USERNAME": "merchant", "OY_API_KEY": "live-key"}))
	if err != nil {
		t.Fatal(err)
	}
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
		"DASHBOARD_TRUSTED_PROXIES":   "10.0.0.0/8, proxy.internal",
		"DASHBOARD_TLS_CERT_FILE":     "/etc/ssl/dashboard.pem",
		"DASHBOARD_SANDBOX":           "yes please",
		"DASHBOARD_MIN_FREE_DISK":     "lots",
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

func TestDeploymentSettings(t *testing.T) {
	c, err := Load(envOf(map[string]string{
		"DASHBOARD_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32",
		"DASHBOARD_TLS_CERT_FILE":   "/etc/dashboard/cert.pem",
		"DASHBOARD_TLS_KEY_FILE":    "/etc/dashboard/key.pem",
		"DASHBOARD_MIN_FREE_DISK":   "2GB",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.0.2.7/32 2001:db8::/32" {
		t.Errorf("trusted proxies %v", got)
	}
	if c.TLSCertFile != "/etc/dashboard/cert.pem" || c.TLSKeyFile != "/etc/dashboard/key.pem" || c.MinFreeDisk != 2<<30 {
		t.Errorf("tls or disk floor: %+v", c)
	}
	d, _ := Load(envOf(nil))
	if d.MinFreeDisk != 512<<20 || len(d.TrustedProxies) != 0 || d.HSTS() {
		t.Errorf("defaults: floor %d, proxies %v, hsts %v", d.MinFreeDisk, d.TrustedProxies, d.HSTS())
	}
	for v, want := range map[string]int64{"0": 0, "1048576": 1 << 20, "300 mb": 300 << 20, "10K": 10 << 10} {
		c, err := Load(envOf(map[string]string{"DASHBOARD_MIN_FREE_DISK": v}))
		if err != nil || c.MinFreeDisk != want {
			t.Errorf("DASHBOARD_MIN_FREE_DISK=%q: %v, %v", v, c, err)
		}
	}
}

// The sandboxes are served when nothing is live (make run) or when asked
// for; a live deployment does not expose them.
func TestSandboxesOnlyWithoutLiveProvidersOrWhenAsked(t *testing.T) {
	live := map[string]string{"AYOPOP_BASE_URL": "https://api.ayopop.id", "AYOPOP_PARTNER_ID": "p", "AYOPOP_API_KEY": "k", "AYOPOP_SECRET": "s"}
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{nil, true},
		{live, false},
		{merge(live, map[string]string{"DASHBOARD_SANDBOX": "1"}), true},
		{map[string]string{"DASHBOARD_SANDBOX": "0"}, true},
	} {
		c, err := Load(envOf(tc.env))
		if err != nil {
			t.Fatal(err)
		}
		if c.Sandboxes() != tc.want {
			t.Errorf("%v: sandboxes %v, want %v", tc.env, c.Sandboxes(), tc.want)
		}
	}
}

// A live base URL with a credential left empty would quietly run with the
// sandbox's: start-up is refused, naming the variable to set.
func TestLiveProviderWithAnEmptySecretIsRefused(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		missing string
	}{
		{map[string]string{"OY_BASE_URL": "https://partner.oyindonesia.com", "OY_USERNAME": "m"}, "OY_API_KEY"},
		{map[string]string{"FASPAY_BASE_URL": "https://debit.faspay.co.id", "FASPAY_MERCHANT_ID": "1", "FASPAY_USER_ID": "u", "FASPAY_PASSWORD": " "}, "FASPAY_PASSWORD"},
		{map[string]string{"DOKU_BASE_URL": "https://api.doku.com", "DOKU_SECRET_KEY": "s"}, "DOKU_CLIENT_ID"},
		{map[string]string{"AYOPOP_BASE_URL": "https://api.ayopop.id", "AYOPOP_PARTNER_ID": "p", "AYOPOP_API_KEY": "k"}, "AYOPOP_SECRET"},
	} {
		_, err := Load(envOf(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.missing+" is empty") {
			t.Errorf("%v: %v, want a refusal naming %s", tc.env, err, tc.missing)
		}
	}
	if _, err := Load(envOf(map[string]string{"OY_BASE_URL": "https://partner.oyindonesia.com", "OY_USERNAME": "m", "OY_API_KEY": "k"})); err != nil {
		t.Errorf("complete live OY settings refused: %v", err)
	}
}

// A data directory other users can read is refused, with the command that
// fixes it.
func TestWorldReadableDataDirectoryIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c, _ := Load(envOf(map[string]string{"DASHBOARD_DATA_DIR": dir}))
	err := c.CheckDataDir()
	if err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) {
		t.Fatalf("world-readable data directory: %v", err)
	}
	os.Chmod(dir, 0o700)
	if err := c.CheckDataDir(); err != nil {
		t.Fatalf("after chmod 700: %v", err)
	}
	c, _ = Load(envOf(map[string]string{"DASHBOARD_DATA_DIR": filepath.Join(dir, "not-yet")}))
	if err := c.CheckDataDir(); err != nil {
		t.Fatalf("a data directory still to be created: %v", err)
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// DATABASE_URL keeps SQLite paths as they are and accepts PostgreSQL URLs;
// DATABASE_READ_URL is only accepted as a PostgreSQL replica of a
// PostgreSQL primary.
func TestDatabaseURLs(t *testing.T) {
	for _, u := range []string{"data/x.db", "sqlite://data/x.db", "postgres://app@db:5432/backoffice", "postgresql://app@db/backoffice?sslmode=require"} {
		c, err := Load(envOf(map[string]string{"DATABASE_URL": u}))
		if err != nil || c.DatabaseURL != u || c.DatabaseReadURL != "" {
			t.Errorf("DATABASE_URL=%s: %+v, %v", u, c, err)
		}
	}
	c, err := Load(envOf(map[string]string{"DATABASE_URL": "postgres://app@primary/bo", "DATABASE_READ_URL": "postgres://app@replica/bo"}))
	if err != nil || c.DatabaseReadURL != "postgres://app@replica/bo" {
		t.Fatalf("read URL: %+v, %v", c, err)
	}
	for _, env := range []map[string]string{
		{"DATABASE_READ_URL": "postgres://app@replica/bo"},                                    // SQLite primary
		{"DATABASE_URL": "postgres://app@primary/bo", "DATABASE_READ_URL": "data/replica.db"}, // not PostgreSQL
	} {
		if _, err := Load(envOf(env)); err == nil || !strings.Contains(err.Error(), "DATABASE_READ_URL") {
			t.Errorf("%v: %v", env, err)
		}
	}
}
