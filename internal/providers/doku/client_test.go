package doku

import (
	"backoffice/internal/providers/provider"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testClientID = "BRN-0201-1700000000000"
	testSecret   = "SK-test-secret-do-not-log"
)

type seenRequest struct {
	path   string
	header http.Header
	body   []byte
}

// fixtureServer answers every DOKU path of both sets with the documented
// response fixture and checks signatures the way DOKU does.
type fixtureServer struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	seen     []seenRequest
	tokens   atomic.Int32
	override func(w http.ResponseWriter, r *http.Request, body []byte) bool
}

func newFixtureServer(t *testing.T) *fixtureServer {
	merchant, _ := testKeys(t)
	fs := &fixtureServer{t: t}
	answers := map[Endpoint]string{
		EndpointTokenB2B:   "token-b2b-response.json",
		EndpointTokenB2B2C: "token-b2b2c-response.json",
		EndpointBinding:    "binding-response.json",
		EndpointBalance:    "balance-response.json",
		EndpointPayment:    "payment-response.json",
		EndpointUnbinding:  "unbinding-response.json",
	}
	byPath := map[string]Endpoint{}
	for _, set := range PathSets() {
		for ep := range answers {
			byPath[Path(set, ep)] = ep
		}
	}
	fs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.seen = append(fs.seen, seenRequest{r.URL.Path, r.Header.Clone(), body})
		fs.mu.Unlock()
		ep, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if ep == EndpointTokenB2B || ep == EndpointTokenB2B2C {
			if ep == EndpointTokenB2B {
				fs.tokens.Add(1)
			}
			if err := VerifyTokenSignature(&merchant.PublicKey, r.Header.Get("X-CLIENT-KEY"), r.Header.Get("X-TIMESTAMP"), r.Header.Get("X-SIGNATURE")); err != nil {
				w.WriteHeader(401)
				w.Write(fixture(t, "error-4017300.json"))
				return
			}
		} else {
			tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if err := VerifyTransactionSignature(testSecret, r.Method, r.URL.Path, tok, body, r.Header.Get("X-TIMESTAMP"), r.Header.Get("X-SIGNATURE")); err != nil {
				w.WriteHeader(401)
				fmt.Fprintf(w, `{"responseCode":"401%s00","responseMessage":"Unauthorized. Invalid Signature"}`, map[Endpoint]string{EndpointBinding: "07", EndpointBalance: "11", EndpointPayment: "54", EndpointUnbinding: "09"}[ep])
				return
			}
		}
		if fs.override != nil && fs.override(w, r, body) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(fixture(t, answers[ep]))
	}))
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *fixtureServer) requests(path string) []seenRequest {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []seenRequest
	for _, s := range fs.seen {
		if s.path == path {
			out = append(out, s)
		}
	}
	return out
}

func newTestClient(t *testing.T, baseURL string, opts ...Option) *Client {
	merchant, _ := testKeys(t)
	return New(Config{
		BaseURL: baseURL, ClientID: testClientID, SecretKey: testSecret, PrivateKey: merchant,
		DeviceID: "dashboard", IPAddress: "127.0.0.1", Timeout: 2 * time.Second,
	}, append([]Option{WithRetry(provider.RetryPolicy{Attempts: 2, Base: time.Millisecond, Max: 2 * time.Millisecond})}, opts...)...)
}

func TestClientParsesDocumentedResponses(t *testing.T) {
	for _, set := range PathSets() {
		t.Run(string(set), func(t *testing.T) {
			fs := newFixtureServer(t)
			c := newTestClient(t, fs.srv.URL)
			c.cfg.PathSet = set
			ctx := context.Background()

			b, err := c.BindAccount(ctx, &BindParams{PhoneNo: "6285700000001", CustIDMerchant: "cust-001", SuccessRegistrationURL: "…", FailedRegistrationURL: "…"})
			if err != nil {
				t.Fatal(err)
			}
			if b.ResponseCode != "2000700" || b.ResponseMessage != "Successful" || b.RedirectURL != "…" || b.AuthCode != "…" || b.ExternalID == "" {
				t.Errorf("binding = %+v", b)
			}
			ct, err := c.AccessTokenB2B2C(ctx, &CustomerTokenParams{AuthCode: "…"})
			if err != nil {
				t.Fatal(err)
			}
			if ct.AccessToken != "…" || ct.RefreshToken != "…" || ct.AccessTokenExpiresAt.IsZero() || ct.RefreshTokenExpiresAt.UTC().Format(time.RFC3339) != "2024-01-28T08:58:59Z" {
				t.Errorf("customer token = %+v", ct)
			}
			bal, err := c.BalanceInquiry(ctx, &BalanceParams{CustomerToken: "cust-token"})
			if err != nil {
				t.Fatal(err)
			}
			if cash, ok := bal.Cash(); !ok || cash != 10000 || bal.Accounts[0].Currency != "IDR" {
				t.Errorf("balance = %+v", bal)
			}
			p, err := c.Pay(ctx, &PaymentParams{CustomerToken: "cust-token", PartnerReferenceNo: "…", Amount: 10000, SuccessPaymentURL: "…", FailedPaymentURL: "…", ExternalID: "123456789"})
			if err != nil {
				t.Fatal(err)
			}
			if p.ResponseCode != "2005400" || p.WebRedirectURL != "…" || p.ExternalID != "123456789" || p.Pending {
				t.Errorf("payment = %+v", p)
			}
			u, err := c.Unbind(ctx, &UnbindParams{CustomerToken: "<B2B2C token>"})
			if err != nil {
				t.Fatal(err)
			}
			if u.ResponseCode != "2000900" {
				t.Errorf("unbinding = %+v", u)
			}
			if n := fs.tokens.Load(); n != 1 {
				t.Errorf("B2B token fetched %d times, want 1 (cached)", n)
			}

			// The requests have the documented shapes and headers.
			want := map[Endpoint]string{
				EndpointTokenB2B: "token-b2b-request.json", EndpointTokenB2B2C: "token-b2b2c-request.json",
				EndpointBinding: "binding-request.json", EndpointBalance: "balance-request.json",
				EndpointPayment: "payment-request.json", EndpointUnbinding: "unbinding-request.json",
			}
			for ep, file := range want {
				reqs := fs.requests(Path(set, ep))
				if len(reqs) != 1 {
					t.Fatalf("%s: %d requests", ep, len(reqs))
				}
				r := reqs[0]
				sameShape(t, ep.String()+" request", fixture(t, file), r.body)
				ts := r.header.Get("X-TIMESTAMP")
				if !strings.HasSuffix(ts, "+07:00") || len(ts) != len("2024-01-27T15:58:59+07:00") {
					t.Errorf("%s: X-TIMESTAMP %q", ep, ts)
				}
				if ep == EndpointTokenB2B || ep == EndpointTokenB2B2C {
					if r.header.Get("X-CLIENT-KEY") != testClientID {
						t.Errorf("%s: X-CLIENT-KEY %q", ep, r.header.Get("X-CLIENT-KEY"))
					}
					continue
				}
				for _, h := range []string{"X-PARTNER-ID", "X-EXTERNAL-ID", "X-DEVICE-ID", "X-IP-ADDRESS", "CHANNEL-ID", "Authorization"} {
					if r.header.Get(h) == "" {
						t.Errorf("%s: no %s", ep, h)
					}
				}
				if ext := r.header.Get("X-EXTERNAL-ID"); strings.Trim(ext, "0123456789") != "" || len(ext) > 36 {
					t.Errorf("%s: X-EXTERNAL-ID %q not numeric", ep, ext)
				}
				hasCustomer := r.header.Get("Authorization-Customer") != ""
				if hasCustomer != (ep == EndpointBalance || ep == EndpointPayment) {
					t.Errorf("%s: Authorization-Customer present = %v", ep, hasCustomer)
				}
			}
			pay := fs.requests(Path(set, EndpointPayment))[0].body
			if !bytes.Contains(pay, []byte(`"value":"10000.00"`)) || !bytes.Contains(pay, []byte(`"channel":"EMONEY_OVO_SNAP"`)) {
				t.Errorf("payment body %s", pay)
			}
		})
	}
}

func TestExternalIDsUnique(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1")
	seen := map[string]bool{}
	for range 5000 {
		id := c.nextExternalID()
		if seen[id] || strings.Trim(id, "0123456789") != "" || len(id) > 36 {
			t.Fatalf("bad or repeated X-EXTERNAL-ID %q", id)
		}
		seen[id] = true
	}
}

func TestB2BTokenCachedAndRefreshed(t *testing.T) {
	fs := newFixtureServer(t)
	var mu sync.Mutex
	now := time.Date(2024, 1, 27, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := newTestClient(t, fs.srv.URL, WithClock(clock))

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.BalanceInquiry(context.Background(), &BalanceParams{CustomerToken: "x"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := fs.tokens.Load(); n != 1 {
		t.Fatalf("20 concurrent calls fetched %d tokens, want 1", n)
	}
	advance(830 * time.Second) // 70 s before expiry: still good
	if _, err := c.AccessTokenB2B(context.Background()); err != nil || fs.tokens.Load() != 1 {
		t.Fatalf("refetched too early: %v, %d", err, fs.tokens.Load())
	}
	advance(20 * time.Second) // 50 s before expiry: inside the margin
	if _, err := c.AccessTokenB2B(context.Background()); err != nil || fs.tokens.Load() != 2 {
		t.Fatalf("not refreshed before expiry: %v, %d", err, fs.tokens.Load())
	}
}

func TestInvalidB2BTokenRefetchedOnce(t *testing.T) {
	fs := newFixtureServer(t)
	var refusals, limit atomic.Int32
	limit.Store(1)
	fs.override = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if !strings.Contains(r.URL.Path, "balance") || refusals.Load() >= limit.Load() {
			return false
		}
		refusals.Add(1)
		w.WriteHeader(401)
		io.WriteString(w, `{"responseCode":"4011101","responseMessage":"Invalid Token (B2B)"}`)
		return true
	}
	c := newTestClient(t, fs.srv.URL)
	if _, err := c.BalanceInquiry(context.Background(), &BalanceParams{CustomerToken: "x"}); err != nil {
		t.Fatalf("one refusal must be healed by a new token: %v", err)
	}
	if fs.tokens.Load() != 2 {
		t.Errorf("tokens fetched = %d, want 2", fs.tokens.Load())
	}
	limit.Store(100)
	_, err := c.Pay(context.Background(), &PaymentParams{CustomerToken: "x", PartnerReferenceNo: "INV-1", Amount: 1000})
	if err != nil {
		t.Fatalf("payment path is not refused here: %v", err)
	}
	_, err = c.BalanceInquiry(context.Background(), &BalanceParams{CustomerToken: "x"})
	var e *provider.Error
	if !errors.As(err, &e) || e.Code != "4011101" || !provider.IsRejected(err) {
		t.Fatalf("err = %v", err)
	}
	// 2 for the healed call, 2 for the refused one: never more than one repeat.
	if got := len(fs.requests(Path(PathSetCurrent, EndpointBalance))); got != 4 {
		t.Errorf("balance requests = %d, want 4", got)
	}
	if fs.tokens.Load() != 3 {
		t.Errorf("tokens fetched = %d, want 3", fs.tokens.Load())
	}
}

func TestParamsValidated(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1")
	ctx := context.Background()
	checks := []error{
		func() error { _, err := c.BindAccount(ctx, &BindParams{}); return err }(),
		func() error { _, err := c.AccessTokenB2B2C(ctx, nil); return err }(),
		func() error { _, err := c.BalanceInquiry(ctx, &BalanceParams{}); return err }(),
		func() error {
			_, err := c.Pay(ctx, &PaymentParams{CustomerToken: "x", PartnerReferenceNo: "a", Amount: 0})
			return err
		}(),
		func() error { _, err := c.Pay(ctx, &PaymentParams{CustomerToken: "x", Amount: 10}); return err }(),
		func() error { _, err := c.Unbind(ctx, nil); return err }(),
	}
	for i, err := range checks {
		if !provider.IsRejected(err) {
			t.Errorf("check %d: err = %v, want rejected", i, err)
		}
	}
}

func TestBadAnswers(t *testing.T) {
	type answer func(w http.ResponseWriter)
	status := func(code int, body string) answer {
		return func(w http.ResponseWriter) { w.WriteHeader(code); io.WriteString(w, body) }
	}
	tests := []struct {
		name       string
		answer     answer
		payOutcome provider.Outcome
		code       string
	}{
		{"html 200", status(200, "<html><body>Maintenance</body></html>"), provider.Unknown, ""},
		{"html 502", status(502, "<html>Bad Gateway</html>"), provider.Unknown, ""},
		{"html 403 waf", status(403, "<html>Forbidden</html>"), provider.Rejected, ""},
		{"empty 200", status(200, ""), provider.Unknown, ""},
		{"empty 504", status(504, ""), provider.Unknown, ""},
		{"truncated", status(200, `{"responseCode":"2005400","referenceNo":"12`), provider.Unknown, ""},
		{"no code", status(200, `{"referenceNo":"1"}`), provider.Unknown, ""},
		{"unknown success code", status(500, `{"responseCode":"2005400"}`), provider.Unknown, "2005400"},
		{"unknown code", status(200, `{"responseCode":"ZZZ","responseMessage":"?"}`), provider.Unknown, "ZZZ"},
		{"unknown 4xx code", status(400, `{"responseCode":"4185499","responseMessage":"?"}`), provider.Rejected, "4185499"},
		{"general error", status(500, `{"responseCode":"5005400","responseMessage":"General Error"}`), provider.Unknown, "5005400"},
		{"timeout code", status(504, `{"responseCode":"5045400","responseMessage":"Timeout"}`), provider.Unknown, "5045400"},
		{"insufficient", status(403, `{"responseCode":"4035414","responseMessage":"Insufficient Funds"}`), provider.Rejected, "4035414"},
		{"duplicate", status(409, `{"responseCode":"4095401","responseMessage":"Duplicate partnerReferenceNo"}`), provider.Unknown, "4095401"},
		{"amount object", status(200, `{"responseCode":"2005400","referenceNo":{"a":1},"accountInfos":"x"}`), provider.Unknown, "2005400"},
		{"sleeps", func(w http.ResponseWriter) { time.Sleep(300 * time.Millisecond); io.WriteString(w, "{}") }, provider.Unknown, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFixtureServer(t)
			var calls atomic.Int32
			fs.override = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if strings.Contains(r.URL.Path, "access-token") {
					return false
				}
				calls.Add(1)
				tc.answer(w)
				return true
			}
			c := newTestClient(t, fs.srv.URL)
			c.cfg.Timeout = 100 * time.Millisecond
			_, err := c.Pay(context.Background(), &PaymentParams{CustomerToken: "x", PartnerReferenceNo: "INV-9", Amount: 5000})
			var e *provider.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *provider.Error", err)
			}
			if e.Outcome != tc.payOutcome || e.Code != tc.code || e.Message == "" || e.Op != "payment" {
				t.Errorf("payment error = %#v", e)
			}
			if calls.Load() != 1 {
				t.Errorf("payment sent %d times; writes are never retried", calls.Load())
			}
			// Reads fail the same typed way and are retried only when harmless.
			calls.Store(0)
			_, err = c.BalanceInquiry(context.Background(), &BalanceParams{CustomerToken: "x"})
			if !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("balance err = %v", err)
			}
			if retryable(err) && calls.Load() != 2 || !retryable(err) && calls.Load() != 1 {
				t.Errorf("balance: %d calls for retryable=%v", calls.Load(), retryable(err))
			}
		})
	}
}

func TestTransportErrorIsUnknown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := newTestClient(t, url)
	_, err := c.AccessTokenB2B(context.Background())
	if !provider.IsUnknown(err) {
		t.Fatalf("token err = %v", err)
	}
	// A payment that never got a token was never sent.
	_, err = c.Pay(context.Background(), &PaymentParams{CustomerToken: "x", PartnerReferenceNo: "a", Amount: 1})
	if !provider.IsRejected(err) {
		t.Fatalf("payment err = %v", err)
	}
	var e *provider.Error
	if !errors.As(err, &e) || errors.Unwrap(e) == nil {
		t.Errorf("transport error not wrapped: %v", err)
	}
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	merchant, _ := testKeys(t)
	var logs bytes.Buffer
	var sigs []string
	var mu sync.Mutex
	const b2b = "b2b-token-SECRET-123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sigs = append(sigs, r.Header.Get("X-SIGNATURE"))
		mu.Unlock()
		if strings.Contains(r.URL.Path, "access-token/b2b2c") {
			w.WriteHeader(401)
			io.WriteString(w, `{"responseCode":"4017400","responseMessage":"Unauthorized"}`)
			return
		}
		if strings.Contains(r.URL.Path, "access-token") {
			io.WriteString(w, `{"responseCode":"2007300","accessToken":"`+b2b+`","tokenType":"Bearer","expiresIn":900}`)
			return
		}
		w.WriteHeader(401)
		io.WriteString(w, `{"responseCode":"4015400","responseMessage":"Unauthorized. Invalid Signature"}`)
	}))
	defer srv.Close()
	c := New(Config{BaseURL: srv.URL, ClientID: testClientID, SecretKey: testSecret, PrivateKey: merchant,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx := context.Background()
	var errs []string
	for _, err := range []error{
		func() error {
			_, err := c.Pay(ctx, &PaymentParams{CustomerToken: "customer-token-SECRET", PartnerReferenceNo: "a", Amount: 1})
			return err
		}(),
		func() error {
			_, err := c.BalanceInquiry(ctx, &BalanceParams{CustomerToken: "customer-token-SECRET"})
			return err
		}(),
		func() error {
			_, err := c.Unbind(ctx, &UnbindParams{CustomerToken: "customer-token-SECRET"})
			return err
		}(),
		func() error {
			_, err := c.AccessTokenB2B2C(ctx, &CustomerTokenParams{AuthCode: "auth-code-SECRET"})
			return err
		}(),
	} {
		if err == nil {
			t.Fatal("expected an error")
		}
		errs = append(errs, err.Error(), fmt.Sprintf("%+v", err))
	}
	key, _ := EncodePrivateKeyPEM(merchant)
	secrets := append([]string{testSecret, b2b, "customer-token-SECRET", "auth-code-SECRET", string(key[40:80])}, sigs...)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(logs.String(), s) {
			t.Errorf("log contains a secret %q", s)
		}
		for _, e := range errs {
			if strings.Contains(e, s) {
				t.Errorf("error %q contains a secret", e)
			}
		}
	}
	if logs.Len() == 0 {
		t.Error("nothing was logged")
	}
}
