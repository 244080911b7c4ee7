package ayopop_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/provider"
)

type call struct {
	op       string
	noAnswer provider.Outcome // expected without a trustworthy answer (timeout, 5xx, unreadable)
	refused  provider.Outcome // expected for a readable answer the call refuses
	retried  bool
	do       func(c *ayopop.Client) error
}

// Under the one rule of package provider, a read without a trustworthy answer
// is Unknown (nothing moved; ask again); a readable refusal of a read is
// Rejected; payment and status stay open (Unknown) either way.
var calls = []call{
	{"inquiry", provider.Unknown, provider.Rejected, true, func(c *ayopop.Client) error {
		_, err := c.Inquiry(context.Background(), &ayopop.InquiryParams{AccountNumber: "081215474224", ProductCode: "AYOVO50"})
		return err
	}},
	{"payment", provider.Unknown, provider.Unknown, false, func(c *ayopop.Client) error {
		_, err := c.Pay(context.Background(), &ayopop.PaymentParams{RefNumber: "R1", AccountNumber: "081215474224", ProductCode: "AYOVO50", Amount: 51300, InquiryID: 1})
		return err
	}},
	{"status", provider.Unknown, provider.Unknown, true, func(c *ayopop.Client) error {
		_, err := c.Status(context.Background(), &ayopop.StatusParams{RefNumber: "R1"})
		return err
	}},
	{"balance", provider.Unknown, provider.Rejected, true, func(c *ayopop.Client) error {
		_, err := c.Balance(context.Background(), nil)
		return err
	}},
	{"products", provider.Unknown, provider.Rejected, true, func(c *ayopop.Client) error {
		_, err := c.Products(context.Background(), nil)
		return err
	}},
}

func TestBadAnswers(t *testing.T) {
	answers := []struct {
		name      string
		status    int
		body      string
		transient bool // retried on reads
		code      string
	}{
		{"html 200", 200, "<html><body>Maintenance</body></html>", true, ""},
		{"empty body", 200, "", true, ""},
		{"truncated json", 200, `{"success":true,"responseCode":0,"data":{"refNumber":"48`, true, ""},
		{"json without code", 200, `{"success":true,"data":{}}`, true, ""},
		{"code not a number", 200, `{"responseCode":"OK"}`, true, ""},
		{"json array", 200, `[1,2,3]`, true, ""},
		{"fractional amount", 200, `{"responseCode":0,"data":{"refNumber":"R1","amount":"100.5","balance":"1.5"}}`, false, "0"},
		{"unknown code", 200, `{"success":false,"responseCode":777,"message":{"ID":"x","EN":"Something odd"},"data":{}}`, false, "777"},
		{"500 html", 500, "<html>Internal Server Error</html>", true, ""},
		{"502 html", 502, "<html>Bad Gateway</html>", true, ""},
		{"504 empty", 504, "", true, ""},
		{"503 json", 503, `{"success":false,"responseCode":500,"message":"busy"}`, true, "500"},
	}
	for _, a := range answers {
		for _, c := range calls {
			t.Run(a.name+"/"+c.op, func(t *testing.T) {
				srv := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
					w.WriteHeader(a.status)
					_, _ = w.Write([]byte(a.body))
				})
				err := c.do(newClient(srv.URL, ayopop.Config{}))
				e := asError(t, err)
				want := c.refused
				if a.transient {
					want = c.noAnswer
				}
				if e.Outcome != want {
					t.Errorf("outcome = %v, want %v (%v)", e.Outcome, want, e)
				}
				if e.Op != c.op || e.Message == "" || e.Code != a.code {
					t.Errorf("op=%q code=%q message=%q", e.Op, e.Code, e.Message)
				}
				if want == provider.Unknown && !provider.IsUnknown(err) {
					t.Errorf("IsUnknown false")
				}
				wantRequests := 1
				if c.retried && a.transient {
					wantRequests = 3
				}
				if got := len(srv.requests()); got != wantRequests {
					t.Errorf("%d requests, want %d", got, wantRequests)
				}
			})
		}
	}
}

func TestPendingRangeCodeOnPaymentIsPending(t *testing.T) {
	srv := newRecorder(t, answerWith(200, []byte(`{"success":false,"responseCode":250,"message":"queued"}`)))
	err := calls[1].do(newClient(srv.URL, ayopop.Config{}))
	if !provider.IsPending(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	for _, c := range calls {
		t.Run(c.op, func(t *testing.T) {
			start := time.Now()
			err := c.do(newClient(srv.URL, ayopop.Config{Timeout: 50 * time.Millisecond}))
			e := asError(t, err)
			if e.Outcome != c.noAnswer || !strings.Contains(e.Message, "did not answer in time") {
				t.Errorf("err = %v", e)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("cause not kept: %v", errors.Unwrap(err))
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestReadRetriesUntilAnswerButPaymentNever(t *testing.T) {
	srv := newRecorder(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte(`{"success":true,"responseCode":0,"message":{"ID":"Berhasil","EN":"Successful"},"data":{"balance":1250000}}`))
	})
	bal, err := newClient(srv.URL, ayopop.Config{}).Balance(context.Background(), nil)
	if err != nil || bal.Balance != 1250000 {
		t.Fatalf("balance = %+v, %v", bal, err)
	}
	if n := len(srv.requests()); n != 3 {
		t.Fatalf("%d requests", n)
	}

	pay := newRecorder(t, func(int, http.ResponseWriter, *http.Request) {}) // empty 200
	err = calls[1].do(newClient(pay.URL, ayopop.Config{}))
	if !provider.IsUnknown(err) || len(pay.requests()) != 1 {
		t.Fatalf("payment: %v after %d requests", err, len(pay.requests()))
	}
}

func TestCredentialsNeverInErrorsOrLogs(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var tokens []string
	srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		tokens = append(tokens, r.Header.Get("TOKEN"))
		if n%2 == 0 {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"success":false,"responseCode":402,"message":{"EN":"Invalid TOKEN"}}`))
			return
		}
		w.WriteHeader(http.StatusBadGateway)
	})
	c := newClient(srv.URL, ayopop.Config{Logger: logger})
	var errs []string
	for _, cl := range calls {
		if err := cl.do(c); err != nil {
			errs = append(errs, err.Error())
		}
	}
	dead := newClient("http://127.0.0.1:1", ayopop.Config{Logger: logger})
	for _, cl := range calls {
		if err := cl.do(dead); err != nil {
			errs = append(errs, err.Error())
		}
	}
	all := strings.Join(errs, "\n") + logs.String()
	if len(errs) != 2*len(calls) || logs.Len() == 0 {
		t.Fatalf("expected errors and logs, got %d errors", len(errs))
	}
	secrets := append([]string{testKey, testSecret}, tokens...)
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Fatalf("credential %q leaked into errors or logs:\n%s", s, all)
		}
	}
}

func TestInvalidParamsAreRejectedWithoutACall(t *testing.T) {
	srv := newRecorder(t, answerWith(200, []byte(`{}`)))
	c := newClient(srv.URL, ayopop.Config{})
	ctx := context.Background()
	_, e1 := c.Inquiry(ctx, &ayopop.InquiryParams{ProductCode: "AYOVO50"})
	_, e2 := c.Pay(ctx, &ayopop.PaymentParams{RefNumber: "R", AccountNumber: "0812", ProductCode: "X"})
	_, e3 := c.Status(ctx, nil)
	_, e4 := c.Inquiry(ctx, &ayopop.InquiryParams{AccountNumber: "0812", ProductCode: "X", Amount: -1})
	for i, err := range []error{e1, e2, e3, e4} {
		if !provider.IsRejected(err) {
			t.Errorf("%d: %v", i, err)
		}
	}
	if len(srv.requests()) != 0 {
		t.Fatal("a request was sent")
	}
	noSecret := ayopop.New(ayopop.Config{BaseURL: srv.URL, APIKey: testKey})
	if _, err := noSecret.Balance(ctx, nil); !provider.IsRejected(err) || !strings.Contains(err.Error(), "AYOPOP_SECRET") {
		t.Fatalf("missing secret: %v", err)
	}
}
