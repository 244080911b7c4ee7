package oy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/providers/provider"
)

const (
	testUser = "merchant-user"
	testKey  = "sekret-api-key-123"
)

var fastRetry = provider.RetryPolicy{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}

// receiver collects callbacks the sandbox sends.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []recorded
	seen chan recorded
}

type recorded struct {
	path, query string
	body        []byte
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{seen: make(chan recorded, 64)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := recorded{path: r.URL.Path, query: r.URL.RawQuery, body: b}
		rc.mu.Lock()
		rc.got = append(rc.got, rec)
		rc.mu.Unlock()
		rc.seen <- rec
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) next(t *testing.T, path string) recorded {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case r := <-rc.seen:
			if r.path == path {
				return r
			}
		case <-timeout:
			t.Fatalf("no callback on %s", path)
		}
	}
}

// none asserts no callback arrives on path within d.
func (rc *receiver) none(t *testing.T, path string, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case r := <-rc.seen:
			if r.path == path {
				t.Fatalf("unexpected callback on %s: %s", path, r.body)
			}
		case <-timeout:
			return
		}
	}
}

type env struct {
	sb     *sandbox.Sandbox
	srv    *httptest.Server
	client *oy.Client
	rc     *receiver
	logs   *bytes.Buffer
}

func newEnv(t *testing.T, mod func(*sandbox.Options)) *env {
	t.Helper()
	rc := newReceiver(t)
	opts := sandbox.Options{
		Username: testUser, APIKey: testKey,
		DisbursementCallbackURL: rc.srv.URL + "/callbacks/oy/disbursement?token=cb-secret",
		VACallbackURL:           rc.srv.URL + "/callbacks/oy/va?token=cb-secret",
		CheckoutCallbackURL:     rc.srv.URL + "/callbacks/oy/checkout?token=cb-secret",
		SettleDelay:             20 * time.Millisecond,
		CallbackRetryDelay:      10 * time.Millisecond,
	}
	if mod != nil {
		mod(&opts)
	}
	var e env
	e.rc = rc
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	opts.PublicURL = e.srv.URL + "/sandbox/oy"
	e.sb = sandbox.New(opts)
	mux.Handle("/sandbox/oy/", http.StripPrefix("/sandbox/oy", e.sb))
	t.Cleanup(func() { e.srv.Close(); e.sb.Close() })
	e.logs = &bytes.Buffer{}
	e.client = oy.New(oy.Config{BaseURL: e.srv.URL + "/sandbox/oy", Username: testUser, APIKey: testKey,
		Timeout: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(lockedWriter{w: e.logs}, nil))},
		oy.WithRetry(fastRetry))
	return &e
}

type lockedWriter struct{ w io.Writer }

var logMu sync.Mutex

func (l lockedWriter) Write(p []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	return l.w.Write(p)
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keySet lists every key path of a JSON document ("data[].id").
func keySet(t *testing.T, b []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				set[prefix+k] = true
				walk(prefix+k+".", c)
			}
		case []any:
			for _, c := range x {
				walk(strings.TrimSuffix(prefix, ".")+"[].", c)
			}
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameKeys(t *testing.T, name string, documented, got []byte) {
	t.Helper()
	want, have := keySet(t, documented), keySet(t, got)
	if strings.Join(want, ",") != strings.Join(have, ",") {
		t.Errorf("%s: key sets differ\n documented: %v\n sandbox:    %v", name, want, have)
	}
}

// rawCall sends a request to the sandbox as OY's own curl samples do.
func (e *env) rawCall(t *testing.T, method, path string, body []byte) []byte {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+"/sandbox/oy"+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-OY-Username", testUser)
	req.Header.Set("X-Api-Key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

// serveFixture answers every request with the given body.
func serveFixture(t *testing.T, status int, body []byte) *oy.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return oy.New(oy.Config{BaseURL: srv.URL, Username: testUser, APIKey: testKey, Timeout: 2 * time.Second},
		oy.WithRetry(provider.RetryPolicy{Attempts: 1}))
}

func asError(err error, target **provider.Error) bool { return errors.As(err, target) }
