package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveInProcess runs `dashboard serve` with env until the test ends and
// returns a channel with its result.
func serveInProcess(t *testing.T, env map[string]string) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return done
}

func waitFor(t *testing.T, client *http.Client, url string, done <-chan error) *http.Response {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v", err)
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			return resp
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
	return nil
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dashboard test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// With a certificate and key the binary speaks HTTPS itself, its base URL
// is https, and browsers are told to stay there.
func TestServeSpeaksTLSWithACertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	addr := freeAddr(t)
	done := serveInProcess(t, map[string]string{"DASHBOARD_ADDR": addr, "DASHBOARD_DATA_DIR": filepath.Join(dir, "data"),
		"DASHBOARD_TLS_CERT_FILE": certFile, "DASHBOARD_TLS_KEY_FILE": keyFile})
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp := waitFor(t, client, "https://"+addr+"/login", done)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("https /login: %d, tls %v", resp.StatusCode, resp.TLS != nil)
	}
	if h := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Errorf("no HSTS over https: %q", h)
	}
	for _, c := range resp.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s without Secure", c.Name)
		}
	}
	// Plain http on the same port gets no page.
	if r, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/login"); err == nil {
		r.Body.Close()
		if r.StatusCode == http.StatusOK {
			t.Error("plain http served the login page")
		}
	}
}

// The sandboxes are served for local use, not once a provider is live,
// and again when DASHBOARD_SANDBOX=1 asks for them.
func TestSandboxesAreNotServedOnceAProviderIsLive(t *testing.T) {
	live := map[string]string{"AYOPOP_BASE_URL": "http://127.0.0.1:9", "AYOPOP_PARTNER_ID": "p", "AYOPOP_API_KEY": "k", "AYOPOP_SECRET": "s"}
	for _, tc := range []struct {
		name   string
		env    map[string]string
		served bool
	}{
		{"local", nil, true},
		{"live", live, false},
		{"live with DASHBOARD_SANDBOX=1", merge(live, map[string]string{"DASHBOARD_SANDBOX": "1"}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := freeAddr(t)
			env := merge(tc.env, map[string]string{"DASHBOARD_ADDR": addr, "DASHBOARD_DATA_DIR": filepath.Join(t.TempDir(), "data")})
			done := serveInProcess(t, env)
			client := &http.Client{Timeout: 5 * time.Second}
			waitFor(t, client, "http://"+addr+"/healthz", done).Body.Close()
			resp, err := client.Get("http://" + addr + "/sandbox/oy/api/payment-checkout/status?partner_tx_id=x")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// The dashboard's own 404 page means nothing is mounted there.
			notMounted := resp.StatusCode == http.StatusNotFound && bytes.Contains(body, []byte(`data-testid="page-error-404"`))
			if notMounted == tc.served {
				t.Errorf("OY sandbox served=%v, want %v (status %d)", !notMounted, tc.served, resp.StatusCode)
			}
		})
	}
}

// Start-up refuses what would be unsafe in production, with a sentence
// saying what to do.
func TestStartUpRefusesUnsafeSettings(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o755)
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DASHBOARD_DATA_DIR": open}, "chmod 700 " + open},
		{map[string]string{"DASHBOARD_DATA_DIR": filepath.Join(t.TempDir(), "d"), "OY_BASE_URL": "https://partner.oyindonesia.com"}, "OY_USERNAME is empty"},
		{map[string]string{"DASHBOARD_DATA_DIR": filepath.Join(t.TempDir(), "d"), "DASHBOARD_TLS_CERT_FILE": "/nonexistent/cert.pem", "DASHBOARD_TLS_KEY_FILE": "/nonexistent/key.pem",
			"DASHBOARD_ADDR": "127.0.0.1:0"}, "DASHBOARD_TLS_CERT_FILE"},
	} {
		err := run(context.Background(), []string{"serve"}, func(k string) string { return tc.env[k] }, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error saying %q", tc.env, err, tc.want)
		}
	}
	if entries, _ := os.ReadDir(open); len(entries) != 0 {
		t.Errorf("the refused data directory was written to: %d entries", len(entries))
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
