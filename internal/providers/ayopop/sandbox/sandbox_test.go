package sandbox

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestUnknownPathsAndSimulateValidation(t *testing.T) {
	sb := New(Options{SettleDelay: time.Millisecond})
	defer sb.Close()
	cases := []struct {
		method, target string
		form           url.Values
		want           int
	}{
		{http.MethodPost, "/api/v2/bill/check", nil, http.StatusNotFound},
		{http.MethodGet, "/simulate/settle", nil, http.StatusMethodNotAllowed},
		{http.MethodPost, "/simulate/settle", url.Values{"refNumber": {"X"}}, http.StatusBadRequest},
		{http.MethodPost, "/simulate/settle", url.Values{"refNumber": {"X"}, "status": {"maybe"}}, http.StatusBadRequest},
		{http.MethodPost, "/simulate/settle", url.Values{"refNumber": {"X"}, "status": {"success"}}, http.StatusNotFound},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s %s %v: %d, want %d", c.method, c.target, c.form, rec.Code, c.want)
		}
	}
}

func TestDefaultsAndClose(t *testing.T) {
	sb := New(Options{})
	if sb.opts.PartnerID != DefaultPartnerID || sb.opts.APIKey != DefaultAPIKey || sb.opts.Secret != DefaultSecret {
		t.Fatal("default credentials")
	}
	if sb.opts.SettleDelay != 3*time.Second || sb.Balance() != 10_000_000 {
		t.Fatal("default delay or deposit")
	}
	sb.mu.Lock()
	sb.txns["R"] = &txn{refNumber: "R", account: "081200001234", code: 299}
	sb.mu.Unlock()
	sb.settleLater("R") // waits 3 s unless Close stops it
	start := time.Now()
	sb.Close()
	if time.Since(start) > time.Second {
		t.Fatal("Close did not stop the settlement timer")
	}
	if sb.txns["R"].code != 299 {
		t.Fatal("settled after Close")
	}
}

func TestRedactURL(t *testing.T) {
	u := "http://127.0.0.1:8080/callbacks/ayopop?token=s3cret"
	got := redactURL(`Post "`+u+`": connection refused`, u)
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "/callbacks/ayopop?REDACTED") {
		t.Fatalf("got %q", got)
	}
}
