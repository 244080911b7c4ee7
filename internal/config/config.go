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
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Config is the whole configuration, read once at start-up.
type Config struct {
	Addr        string // DASHBOARD_ADDR
	DataDir     string // DASHBOARD_DATA_DIR
	DatabaseURL string // DATABASE_URL; empty means dashboard.db in DataDir
	BaseURL     string // DASHBOARD_BASE_URL; used to build callback URLs

	// Session keys: hex, from DASHBOARD_SESSION_HASH_KEY and
	// DASHBOARD_SESSION_BLOCK_KEY, otherwise generated once into DataDir.
	SessionHashKey  []byte
	SessionBlockKey []byte

	LogLevel string // DASHBOARD_LOG_LEVEL: debug, info, warn, error

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
	CallbackAllowIPs                                    []string
}

// Doku holds DOKU SNAP credentials and key files.
type Doku struct {
	ClientID, SecretKey, PrivateKeyFile, PublicKeyFile, BaseURL string
	CallbackAllowIPs                                            []string
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
	c.BaseURL = strings.TrimRight(env("DASHBOARD_BASE_URL", "http://"+c.Addr), "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("config: DASHBOARD_BASE_URL %q must be an http or https URL", c.BaseURL)
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "dashboard.db")
	}
	var err error
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
		CallbackAllowIPs: ips("FASPAY_CALLBACK_ALLOWED_IPS"),
	}
	c.Doku = Doku{
		ClientID:         env("DOKU_CLIENT_ID", SandboxDokuClientID),
		SecretKey:        env("DOKU_SECRET_KEY", SandboxDokuSecretKey),
		PrivateKeyFile:   env("DOKU_PRIVATE_KEY_FILE", ""),
		PublicKeyFile:    env("DOKU_PUBLIC_KEY_FILE", ""),
		BaseURL:          env("DOKU_BASE_URL", ""),
		CallbackAllowIPs: ips("DOKU_CALLBACK_ALLOWED_IPS"),
	}
	c.Ayopop = Ayopop{
		PartnerID:        env("AYOPOP_PARTNER_ID", SandboxAyopopPartner),
		APIKey:           env("AYOPOP_API_KEY", SandboxAyopopAPIKey),
		Secret:           env("AYOPOP_SECRET", SandboxAyopopSecret),
		BaseURL:          env("AYOPOP_BASE_URL", ""),
		CallbackToken:    env("AYOPOP_CALLBACK_TOKEN", ""),
		CallbackAllowIPs: ips("AYOPOP_CALLBACK_ALLOWED_IPS"),
	}
	return c, nil
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

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
	return fillToken(&c.Ayopop.CallbackToken, "ayopop-callback.token")
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
