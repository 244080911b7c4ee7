package ayopop_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/provider"
)

const (
	testPartner = "partner-id"
	testKey     = "test-api-key-7Q2"
	testSecret  = "test-partner-secret-9XZ"
)

var fastRetry = provider.RetryPolicy{Attempts: 3, Base: time.Millisecond, Max: 2 * time.Millisecond}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newClient(baseURL string, cfg ayopop.Config) *ayopop.Client {
	cfg.BaseURL = baseURL
	if cfg.PartnerID == "" {
		cfg.PartnerID = testPartner
	}
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.Secret == "" {
		cfg.Secret = testSecret
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	return ayopop.New(cfg, ayopop.WithRetry(fastRetry))
}

type seenRequest struct {
	Path   string
	Header http.Header
	Body   []byte
}

// recorder is an httptest server that answers with fixed responses and
// remembers what it received.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

func newRecorder(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.seen = append(rec.seen, seenRequest{Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		n := len(rec.seen)
		rec.mu.Unlock()
		answer(n, w, r)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) requests() []seenRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func answerWith(status int, body []byte) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

// keySet lists every key path of a JSON document; array elements share "[]".
func keySet(t testing.TB, doc []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				set[prefix+"."+k] = true
				walk(prefix+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(prefix+"[]", e)
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

func sameKeys(t testing.TB, what string, got, want []byte) {
	t.Helper()
	g, w := keySet(t, got), keySet(t, want)
	if !slices.Equal(g, w) {
		var missing, extra []string
		for _, k := range w {
			if !slices.Contains(g, k) {
				missing = append(missing, k)
			}
		}
		for _, k := range g {
			if !slices.Contains(w, k) {
				extra = append(extra, k)
			}
		}
		t.Errorf("%s: JSON keys differ from the documented ones\nmissing: %v\nextra:   %v", what, missing, extra)
	}
}

func asError(t testing.TB, err error) *provider.Error {
	t.Helper()
	e, ok := err.(*provider.Error)
	if !ok {
		t.Fatalf("error %T %v is not *provider.Error", err, err)
	}
	return e
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func lastPart(token string) string { return token[strings.LastIndexByte(token, '.')+1:] }
