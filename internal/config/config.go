// Package config reads the dashboard's settings from the environment. Every
// variable is documented in the README; defaults run everything locally
// against the built-in provider sandboxes.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is the whole configuration, read once at start-up.
type Config struct {
	Addr        string // DASHBOARD_ADDR
	DataDir     string // DASHBOARD_DATA_DIR
	DatabaseURL string // DATABASE_URL; empty means dashboard.db in DataDir
	// DatabaseReadURL (DATABASE_READ_URL) is a PostgreSQL streaming replica
	// that list pages and exports read (db.OpenReplica, docs/postgres.md).
	DatabaseReadURL string
	BaseURL         string // DASHBOARD_BASE_URL; used to build callback URLs

	// Session keys: hex, from DASHBOARD_SESSION_HASH_KEY and
	// DASHBOARD_SESSION_BLOCK_KEY, otherwise generated once into DataDir.
	SessionHashKey  []byte
	SessionBlockKey []byte

	LogLevel string // DASHBOARD_LOG_LEVEL: debug, info, warn, error

	// TrustedProxies (DASHBOARD_TRUSTED_PROXIES, comma-separated CIDRs or
	// IPs) are the peers whose X-Forwarded-For is believed. Empty: the
	// client IP is always the peer address.
	TrustedProxies []netip.Prefix
	// TLSCertFile and TLSKeyFile (DASHBOARD_TLS_CERT_FILE,
	// DASHBOARD_TLS_KEY_FILE): both set, the server speaks HTTPS itself.
	TLSCertFile, TLSKeyFile string
	// Sandbox (DASHBOARD_SANDBOX=1) mounts the built-in sandboxes even when
	// some provider is configured for live use.
	Sandbox bool
	// MinFreeDisk (DASHBOARD_MIN_FREE_DISK) is the free space under which
	// the data directory counts as nearly full; 0 turns the check off.
	MinFreeDisk int64

	OY     OY
	Faspay Faspay
	Doku   Doku
	Ayopop Ayopop
}

// OY holds OY! Indonesia credentials. An empty BaseURL means the sandbox.
type OY struct {
	Username, APIKey, BaseURL, CallbackToken string
	CallbackAllowIPs                         []string // OY_CALLBACK_ALLOWED_IPS, comma separated
}

// Faspay holds Faspay OVO Tokenize credentials.
type Faspay struct {
	MerchantID, MerchantName, UserID, Password, BaseURL string
	// CallbackToken (FASPAY_CALLBACK_TOKEN) is the secret ?token= on the
	// activation callback URL, which Faspay does not sign.
	CallbackToken    string
	CallbackAllowIPs []string
}

// Doku holds DOKU SNAP credentials and key files.
type Doku struct {
	ClientID, SecretKey, PrivateKeyFile, PublicKeyFile, BaseURL string
	CallbackAllowIPs                                            []string
	// DeviceID and IPAddress (DOKU_DEVICE_ID, DOKU_IP_ADDRESS) are sent as
	// X-DEVICE-ID and X-IP-ADDRESS on every transaction.
	DeviceID, IPAddress string
	// NotifySigns (DOKU_NOTIFY_SIGNS) is the string DOKU signs for a
	// notification: "path" (the default, as CONTRACT-NOTES says SNAP signs
	// the relative path only) or "uri" (path and query).
	NotifySigns string
}

// Ayopop holds Ayopop biller credentials.
type Ayopop struct {
	PartnerID, APIKey, Secret, BaseURL, CallbackToken string
	CallbackAllowIPs                                  []string
}

// Sandbox credentials: the built-in sandboxes check these, so a default
// configuration works end to end without any secret being set.
const (
	SandboxOYUsername     = "sandbox-merchant"
	SandboxOYAPIKey       = "sandbox-oy-api-key"
	SandboxFaspayMerchant = "31932"
	SandboxFaspayName     = "Sandbox Merchant"
	SandboxFaspayUserID   = "bot31932"
	SandboxFaspayPassword = "sandbox-faspay-password"
	SandboxDokuClientID   = "BRN-0201-1700000000000"
	SandboxDokuSecretKey  = "SK-sandbox-doku-secret"
	SandboxAyopopPartner  = "sandbox-partner"
	SandboxAyopopAPIKey   = "sandbox-ayopop-key"
	SandboxAyopopSecret   = "sandbox-ayopop-secret"
)

// Load reads the environment. getenv is os.Getenv outside tests.
func Load(getenv func(string) string) (*Config, error) {
	env := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := &Config{
		Addr:        env("DASHBOARD_ADDR", "127.0.0.1:8080"),
		DataDir:     env("DASHBOARD_DATA_DIR", "./data"),
		DatabaseURL: env("DATABASE_URL", ""),
		LogLevel:    env("DASHBOARD_LOG_LEVEL", "info"),
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return nil, fmt.Errorf("config: DASHBOARD_ADDR %q is not host:port", c.Addr)
	}
	c.TLSCertFile, c.TLSKeyFile = env("DASHBOARD_TLS_CERT_FILE", ""), env("DASHBOARD_TLS_KEY_FILE", "")
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return nil, errors.New("config: DASHBOARD_TLS_CERT_FILE and DASHBOARD_TLS_KEY_FILE must be set together")
	}
	scheme := "http://"
	if c.TLSCertFile != "" {
		scheme = "https://"
	}
	c.BaseURL = strings.TrimRight(env("DASHBOARD_BASE_URL", scheme+c.Addr), "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("config: DASHBOARD_BASE_URL %q must be an http or https URL", c.BaseURL)
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "dashboard.db")
	}
	if c.DatabaseReadURL = env("DATABASE_READ_URL", ""); c.DatabaseReadURL != "" {
		if !isPostgresURL(c.DatabaseURL) || !isPostgresURL(c.DatabaseReadURL) {
			return nil, errors.New("config: DATABASE_READ_URL needs DATABASE_URL and itself to be postgres:// URLs (a streaming replica of the same database)")
		}
	}
	var err error
	if c.TrustedProxies, err = prefixes(getenv("DASHBOARD_TRUSTED_PROXIES")); err != nil {
		return nil, fmt.Errorf("config: DASHBOARD_TRUSTED_PROXIES: %w", err)
	}
	switch v := env("DASHBOARD_SANDBOX", "0"); v {
	case "1", "true":
		c.Sandbox = true
	case "0", "false":
	default:
		return nil, fmt.Errorf("config: DASHBOARD_SANDBOX %q must be 1 or 0", v)
	}
	if c.MinFreeDisk, err = byteSize(env("DASHBOARD_MIN_FREE_DISK", "512MB")); err != nil {
		return nil, fmt.Errorf("config: DASHBOARD_MIN_FREE_DISK: %w", err)
	}
	if c.SessionHashKey, err = hexKey(getenv, "DASHBOARD_SESSION_HASH_KEY", 32); err != nil {
		return nil, err
	}
	if c.SessionBlockKey, err = hexKey(getenv, "DASHBOARD_SESSION_BLOCK_KEY", 32); err != nil {
		return nil, err
	}
	ips := func(k string) []string {
		var out []string
		for _, p := range strings.Split(getenv(k), ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	c.OY = OY{
		Username:         env("OY_USERNAME", SandboxOYUsername),
		APIKey:           env("OY_API_KEY", SandboxOYAPIKey),
		BaseURL:          env("OY_BASE_URL", ""),
		CallbackToken:    env("OY_CALLBACK_TOKEN", ""),
		CallbackAllowIPs: ips("OY_CALLBACK_ALLOWED_IPS"),
	}
	c.Faspay = Faspay{
		MerchantID:       env("FASPAY_MERCHANT_ID", SandboxFaspayMerchant),
		MerchantName:     env("FASPAY_MERCHANT_NAME", SandboxFaspayName),
		UserID:           env("FASPAY_USER_ID", SandboxFaspayUserID),
		Password:         env("FASPAY_PASSWORD", SandboxFaspayPassword),
		BaseURL:          env("FASPAY_BASE_URL", ""),
		CallbackToken:    env("FASPAY_CALLBACK_TOKEN", ""),
		CallbackAllowIPs: ips("FASPAY_CALLBACK_ALLOWED_IPS"),
	}
	c.Doku = Doku{
		ClientID:         env("DOKU_CLIENT_ID", SandboxDokuClientID),
		SecretKey:        env("DOKU_SECRET_KEY", SandboxDokuSecretKey),
		PrivateKeyFile:   env("DOKU_PRIVATE_KEY_FILE", ""),
		PublicKeyFile:    env("DOKU_PUBLIC_KEY_FILE", ""),
		BaseURL:          env("DOKU_BASE_URL", ""),
		CallbackAllowIPs: ips("DOKU_CALLBACK_ALLOWED_IPS"),
		DeviceID:         env("DOKU_DEVICE_ID", defaultDeviceID()),
		IPAddress:        env("DOKU_IP_ADDRESS", ""),
		NotifySigns:      env("DOKU_NOTIFY_SIGNS", NotifySignsPath),
	}
	if c.Doku.NotifySigns != NotifySignsPath && c.Doku.NotifySigns != NotifySignsURI {
		return nil, fmt.Errorf("config: DOKU_NOTIFY_SIGNS must be %q (the request path, the default) or %q (path and query), not %q",
			NotifySignsPath, NotifySignsURI, c.Doku.NotifySigns)
	}
	if c.Doku.IPAddress == "" {
		c.Doku.IPAddress = outboundIP(c.Doku.BaseURL)
	} else if _, err := netip.ParseAddr(c.Doku.IPAddress); err != nil {
		return nil, fmt.Errorf("config: DOKU_IP_ADDRESS %q is not an IP address", c.Doku.IPAddress)
	}
	c.Ayopop = Ayopop{
		PartnerID:        env("AYOPOP_PARTNER_ID", SandboxAyopopPartner),
		APIKey:           env("AYOPOP_API_KEY", SandboxAyopopAPIKey),
		Secret:           env("AYOPOP_SECRET", SandboxAyopopSecret),
		BaseURL:          env("AYOPOP_BASE_URL", ""),
		CallbackToken:    env("AYOPOP_CALLBACK_TOKEN", ""),
		CallbackAllowIPs: ips("AYOPOP_CALLBACK_ALLOWED_IPS"),
	}
	if err := c.checkLiveSecrets(getenv); err != nil {
		return nil, err
	}
	return c, nil
}

// checkLiveSecrets refuses a provider pointed at a live base URL whose
// credentials were left empty: it would otherwise run with the sandbox's.
func (c *Config) checkLiveSecrets(getenv func(string) string) error {
	for _, p := range []struct {
		name, baseVar string
		live          bool
		secrets       []string
	}{
		{"OY!", "OY_BASE_URL", c.OY.BaseURL != "", []string{"OY_USERNAME", "OY_API_KEY"}},
		{"Faspay", "FASPAY_BASE_URL", c.Faspay.BaseURL != "", []string{"FASPAY_MERCHANT_ID", "FASPAY_USER_ID", "FASPAY_PASSWORD"}},
		{"DOKU", "DOKU_BASE_URL", c.Doku.BaseURL != "", []string{"DOKU_CLIENT_ID", "DOKU_SECRET_KEY"}},
		{"Ayopop", "AYOPOP_BASE_URL", c.Ayopop.BaseURL != "", []string{"AYOPOP_PARTNER_ID", "AYOPOP_API_KEY", "AYOPOP_SECRET"}},
	} {
		if !p.live {
			continue
		}
		for _, k := range p.secrets {
			if strings.TrimSpace(getenv(k)) == "" {
				return fmt.Errorf("config: %s is set, so %s is used live, but %s is empty: set it to the value %s issued (or unset %s to use the built-in sandbox)",
					p.baseVar, p.name, k, p.name, p.baseVar)
			}
		}
	}
	return nil
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// HSTS reports whether responses carry Strict-Transport-Security: the
// public URL is https, so browsers should never fall back to http.
func (c *Config) HSTS() bool { return c.SecureCookies() }

// AnyLive reports whether some provider is configured for live use.
func (c *Config) AnyLive() bool {
	return c.OY.BaseURL != "" || c.Faspay.BaseURL != "" || c.Doku.BaseURL != "" || c.Ayopop.BaseURL != ""
}

// Sandboxes reports whether the built-in sandboxes are mounted: asked for
// with DASHBOARD_SANDBOX=1, or no provider is live (the local default). A
// live deployment does not serve them, as they can send callbacks that
// carry valid tokens.
func (c *Config) Sandboxes() bool { return c.Sandbox || !c.AnyLive() }

func prefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if pr, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pr.Masked())
			continue
		}
		a, err := netip.ParseAddr(p)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR such as 10.0.0.0/8", p)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// byteSize reads "512MB", "2GB", "1048576" (bytes) or "0"; units are
// powers of 1024.
func byteSize(v string) (int64, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size such as 512MB or 2GB", v)
	}
	return n * mult, nil
}

// ProviderMode names how a provider is reached, for the settings page.
func ProviderMode(baseURL string) string {
	if baseURL == "" {
		return "sandbox"
	}
	return "live"
}

func hexKey(getenv func(string) string, name string, n int) ([]byte, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("config: %s must be %d bytes as hex (%d characters)", name, n, 2*n)
	}
	return b, nil
}

// EnsureSecrets fills the session keys and callback tokens that were not set
// in the environment from files in the data directory, generating them on
// first start so a restart keeps everyone signed in and callback URLs stable.
func (c *Config) EnsureSecrets() error {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("config: create data directory: %w", err)
	}
	fill := func(dst *[]byte, file string) error {
		if *dst != nil {
			return nil
		}
		b, err := persistedSecret(filepath.Join(c.DataDir, file))
		*dst = b
		return err
	}
	if err := fill(&c.SessionHashKey, "session-hash.key"); err != nil {
		return err
	}
	if err := fill(&c.SessionBlockKey, "session-block.key"); err != nil {
		return err
	}
	fillToken := func(dst *string, file string) error {
		if *dst != "" {
			return nil
		}
		b, err := persistedSecret(filepath.Join(c.DataDir, file))
		*dst = hex.EncodeToString(b)
		return err
	}
	if err := fillToken(&c.OY.CallbackToken, "oy-callback.token"); err != nil {
		return err
	}
	if err := fillToken(&c.Faspay.CallbackToken, "faspay-callback.token"); err != nil {
		return err
	}
	return fillToken(&c.Ayopop.CallbackToken, "ayopop-callback.token")
}

// CheckDataDir refuses, at start-up, a data directory that other users may
// open: it holds the session keys, callback tokens and every money record.
// One that does not exist yet is fine: it is created with mode 0700.
func (c *Config) CheckDataDir() error {
	dir := c.DataDir
	st, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("config: data directory: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o007 != 0 {
		return fmt.Errorf("config: data directory %s is open to other users (mode %04o); it holds session keys and money records: run `chmod 700 %s` and start again",
			dir, perm, dir)
	}
	return nil
}

func persistedSecret(path string) ([]byte, error) {
	if raw, err := os.ReadFile(path); err == nil {
		b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("config: %s is damaged; delete it to generate a new one", path)
		}
		return b, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	// O_EXCL: two processes starting together must not write different keys.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return persistedSecret(path)
	}
	if err != nil {
		return nil, fmt.Errorf("config: write %s: %w", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(b) + "\n"); err != nil {
		return nil, err
	}
	return b, f.Sync()
}

// isPostgresURL reports whether a database URL names PostgreSQL (the same
// rule as db.IsPostgres; config does not import the database package).
func isPostgresURL(s string) bool {
	s = strings.ToLower(s)
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}
