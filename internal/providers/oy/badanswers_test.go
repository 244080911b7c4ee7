package oy_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
)

func TestBadAnswersGiveTypedErrors(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		body        string
		sleep       time.Duration
		remit       provider.Outcome // outcome for the write
		readOutcome provider.Outcome
	}{
		{"html", 200, "<html><body>Maintenance</body></html>", 0, provider.Unknown, provider.Unknown},
		{"empty", 200, "", 0, provider.Unknown, provider.Unknown},
		{"truncated", 200, `{"status":{"code":"101","message":"Request is Pro`, 0, provider.Unknown, provider.Unknown},
		{"no status", 200, `{"amount":125000}`, 0, provider.Unknown, provider.Unknown},
		{"unknown code", 200, `{"status":{"code":"777","message":"???"}}`, 0, provider.Unknown, provider.Unknown},
		{"numeric code", 200, `{"status":{"code":209,"message":"Bank Account is not found"}}`, 0, provider.Rejected, provider.Rejected},
		{"fractional amount", 200, `{"status":{"code":"101","message":"ok"},"amount":"12.5","balance":"1.5"}`, 0, provider.Unknown, provider.Unknown},
		{"500", 500, `Internal Server Error`, 0, provider.Unknown, provider.Unknown},
		{"502 html", 502, `<html>Bad Gateway</html>`, 0, provider.Unknown, provider.Unknown},
		{"504", 504, ``, 0, provider.Unknown, provider.Unknown},
		{"504 code", 200, `{"status":{"code":"504","message":"Timeout"}}`, 0, provider.Unknown, provider.Unknown},
		{"999 code as 500", 500, `{"status":{"code":"999","message":"Internal Server Error"}}`, 0, provider.Unknown, provider.Unknown},
		{"403 html", 403, `<html>Forbidden</html>`, 0, provider.Rejected, provider.Rejected},
		{"slow", 200, `{"status":{"code":"101","message":"late"}}`, 300 * time.Millisecond, provider.Unknown, provider.Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if tc.sleep > 0 {
					select {
					case <-time.After(tc.sleep):
					case <-r.Context().Done():
						return
					}
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c := oy.New(oy.Config{BaseURL: srv.URL, Username: testUser, APIKey: testKey, Timeout: 100 * time.Millisecond},
				oy.WithRetry(provider.RetryPolicy{Attempts: 2, Base: time.Millisecond}))

			_, err := c.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "123", Amount: 10000, PartnerTrxID: "p1"})
			var oe *provider.Error
			if !errors.As(err, &oe) || oe.Outcome != tc.remit || oe.Message == "" || oe.Op != "remit" {
				t.Errorf("remit: want %s, got %#v", tc.remit, err)
			}
			_, err = c.Balance(ctx)
			if !errors.As(err, &oe) || oe.Outcome != tc.readOutcome || oe.Message == "" {
				t.Errorf("balance: want %s, got %#v", tc.readOutcome, err)
			}
			_, err = c.Inquiry(ctx, &oy.InquiryParams{RecipientBank: "014", RecipientAccount: "123"})
			if !errors.As(err, &oe) {
				t.Errorf("inquiry: %#v", err)
			}
			// remit-status reports a disbursement's own code (even an unknown
			// one, which is then not final) as a result, not an error.
			d, err := c.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: "p1"})
			switch tc.name {
			case "unknown code":
				if err != nil || d.Code != "777" || d.Final() {
					t.Errorf("remit status: %v %+v", err, d)
				}
			case "numeric code":
				if err != nil || d.Code != "209" || !d.Failed() {
					t.Errorf("remit status: %v %+v", err, d)
				}
			default:
				if !errors.As(err, &oe) {
					t.Errorf("remit status: %#v", err)
				}
			}
		})
	}
}

func TestRemitResendPolicy(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		code int
		want int32
	}{
		{"999 resent", `{"status":{"code":"999","message":"Internal Server Error"}}`, 200, 3},
		{"504 resent", `{"status":{"code":"504","message":"timeout"}}`, 200, 3},
		{"5xx resent", `oops`, 502, 3},
		{"garbled resent", `{"status":`, 200, 3},
		{"209 not resent", `{"status":{"code":"209","message":"Bank Account is not found"}}`, 200, 1},
		{"206 not resent", `{"status":{"code":"206","message":"Balance"}}`, 200, 1},
		{"429 not resent", `{"status":{"code":"429","message":"Too many"}}`, 200, 1},
		{"unknown code not resent", `{"status":{"code":"777","message":"?"}}`, 200, 1},
		{"301 accepted", `{"status":{"code":"301","message":"Suspect"},"partner_trx_id":"p"}`, 200, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			var ids []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				var b bytes.Buffer
				_, _ = b.ReadFrom(r.Body)
				ids = append(ids, b.String())
				w.WriteHeader(tc.code)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c := oy.New(oy.Config{BaseURL: srv.URL, Username: testUser, APIKey: testKey}, oy.WithRetry(fastRetry))
			_, _ = c.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "123", Amount: 10000, PartnerTrxID: "same-id"})
			if hits.Load() != tc.want {
				t.Errorf("sent %d times, want %d", hits.Load(), tc.want)
			}
			for _, b := range ids {
				if b != ids[0] {
					t.Errorf("a resend changed the request: %s vs %s", b, ids[0])
				}
			}
		})
	}
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	var logs bytes.Buffer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != testKey {
			t.Error("key not sent")
		}
		switch r.URL.Path {
		case "/api/balance":
			_, _ = w.Write([]byte(`{"status":{"code":"208","message":"API Key is not Valid"}}`))
		default:
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	c := oy.New(oy.Config{BaseURL: srv.URL, Username: testUser, APIKey: testKey, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))},
		oy.WithRetry(fastRetry))
	var errs []error
	_, err := c.Balance(ctx)
	errs = append(errs, err)
	_, err = c.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "123", Amount: 10000, PartnerTrxID: "p"})
	errs = append(errs, err)
	dead := oy.New(oy.Config{BaseURL: "http://127.0.0.1:1", Username: testUser, APIKey: testKey, Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		oy.WithRetry(provider.RetryPolicy{Attempts: 1}))
	_, err = dead.Inquiry(ctx, &oy.InquiryParams{RecipientBank: "014", RecipientAccount: "1"})
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("expected an error")
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("API key in error: %v", err)
		}
	}
	if !provider.IsUnknown(errs[2]) {
		t.Errorf("connection refused: %v", errs[2])
	}
	if logs.Len() == 0 || strings.Contains(logs.String(), testKey) {
		t.Errorf("logs carry the key or are empty: %s", logs.String())
	}
}

func TestEmptyBaseURLSendsNothing(t *testing.T) {
	c := oy.New(oy.Config{Username: testUser, APIKey: testKey})
	if _, err := c.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "1", Amount: 10000, PartnerTrxID: "p"}); !provider.IsRejected(err) {
		t.Errorf("got %v", err)
	}
}

func TestTimeoutUnwrapsToDeadlineExceeded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := oy.New(oy.Config{BaseURL: srv.URL + "/", Username: testUser, APIKey: testKey, Timeout: 50 * time.Millisecond},
		oy.WithRetry(provider.RetryPolicy{Attempts: 1}))
	_, err := c.Balance(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !provider.IsUnknown(err) || !strings.Contains(err.Error(), "in time") {
		t.Errorf("got %v", err)
	}
}
