package sandbox_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/internal/providers/doku"
	"backoffice/internal/providers/doku/sandbox"
	"backoffice/internal/providers/provider"
)

const (
	clientID = "BRN-0201-1700000000000"
	secret   = "SK-sandbox-secret"
)

var (
	keysOnce               sync.Once
	merchantKey, dokuKey   *rsa.PrivateKey
	keysErr                error
	fastRetry              = provider.RetryPolicy{Attempts: 1}
	successURL, failureURL = "https://shop.example/ok", "https://shop.example/fail"
)

func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		if merchantKey, keysErr = doku.GenerateKey(2048); keysErr == nil {
			dokuKey, keysErr = doku.GenerateKey(2048)
		}
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return merchantKey, dokuKey
}

// merchant is the dashboard side: DOKU's token endpoint and the notification
// endpoint, built only from the doku package's pure functions.
type merchant struct {
	srv      *httptest.Server
	tokens   *doku.TokenIssuer
	verifier doku.SignatureVerifier
	notes    chan *doku.Notification
	raw      chan []byte
	mu       sync.Mutex
	failNext int // answer this many notifications with 500 first
	refusals []string
}

func newMerchant(t *testing.T, verifier doku.SignatureVerifier) *merchant {
	_, dk := keys(t)
	m := &merchant{tokens: doku.NewTokenIssuer(nil), verifier: verifier, notes: make(chan *doku.Notification, 20), raw: make(chan []byte, 20)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /callbacks/doku/v1.0/access-token/b2b", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := doku.VerifyTokenRequest(r.Header, body, &dk.PublicKey, clientID, time.Now()); err != nil {
			m.refuse("token: " + err.Error())
			rep := doku.TokenErrorReply(err)
			w.WriteHeader(rep.HTTPStatus)
			w.Write(rep.Body)
			return
		}
		tok, _ := m.tokens.Issue(time.Now())
		w.Write(doku.TokenReply(tok))
	})
	mux.HandleFunc("POST /callbacks/doku/v1.0/debit/notify", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m.mu.Lock()
		fail := m.failNext > 0
		if fail {
			m.failNext--
		}
		m.mu.Unlock()
		if fail {
			w.WriteHeader(500)
			return
		}
		err := doku.VerifyNotification(r.Header, r.Method, r.URL.EscapedPath(), body, m.tokens, m.verifier, time.Now())
		var n *doku.Notification
		if err == nil {
			n, err = doku.ParseNotification(r.Header, body)
		}
		if err != nil {
			m.refuse("notify: " + err.Error())
			rep := doku.NotificationErrorReply(err)
			w.WriteHeader(rep.HTTPStatus)
			w.Write(rep.Body)
			return
		}
		m.raw <- body
		m.notes <- n
		ack := doku.NotificationAck()
		w.WriteHeader(ack.HTTPStatus)
		w.Write(ack.Body)
	})
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

func (m *merchant) refuse(s string) {
	m.mu.Lock()
	m.refusals = append(m.refusals, s)
	m.mu.Unlock()
}

func (m *merchant) waitNote(t *testing.T) *doku.Notification {
	t.Helper()
	select {
	case n := <-m.notes:
		return n
	case <-time.After(5 * time.Second):
		m.mu.Lock()
		defer m.mu.Unlock()
		t.Fatalf("no notification arrived; merchant refusals: %v", m.refusals)
		return nil
	}
}

func (m *merchant) noNote(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case n := <-m.notes:
		t.Fatalf("unexpected notification %+v", n)
	case <-time.After(d):
	}
}

// recorder keeps the raw answer bodies the client received, by path.
type recorder struct {
	mu      sync.Mutex
	answers map[string][]byte
}

func (rc *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	rc.mu.Lock()
	rc.answers[strings.TrimPrefix(r.URL.Path, "/sandbox/doku")] = b
	rc.mu.Unlock()
	return resp, nil
}

type env struct {
	sb       *sandbox.Sandbox
	srv      *httptest.Server
	base     string
	client   *doku.Client
	merchant *merchant
	rec      *recorder
	browser  *http.Client
}

func newEnv(t *testing.T, set doku.PathSet, tweak func(*sandbox.Options)) *env {
	mk, dk := keys(t)
	e := &env{merchant: newMerchant(t, doku.HMACVerifier{Secret: secret}), rec: &recorder{answers: map[string][]byte{}}}
	var h http.Handler = http.NotFoundHandler()
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + "/sandbox/doku"
	opts := sandbox.Options{
		ClientID: clientID, SecretKey: secret, MerchantPublicKey: &mk.PublicKey, DokuPrivateKey: dk,
		PublicURL:        e.base,
		MerchantTokenURL: e.merchant.srv.URL + "/callbacks/doku/v1.0/access-token/b2b",
		NotificationURL:  e.merchant.srv.URL + "/callbacks/doku/v1.0/debit/notify?token=s3cret",
		SettleDelay:      5 * time.Millisecond, RetryDelay: 5 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&opts)
	}
	e.sb = sandbox.New(opts)
	t.Cleanup(e.sb.Close)
	h = http.StripPrefix("/sandbox/doku", e.sb)
	e.client = e.newClient(set, secret, mk)
	e.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

func (e *env) newClient(set doku.PathSet, secret string, key *rsa.PrivateKey, opts ...doku.Option) *doku.Client {
	return doku.New(doku.Config{
		BaseURL: e.base, ClientID: clientID, SecretKey: secret, PrivateKey: key, PathSet: set,
		DeviceID: "test-device", IPAddress: "127.0.0.1", Timeout: 5 * time.Second,
		HTTPClient: &http.Client{Transport: e.rec},
	}, append([]doku.Option{doku.WithRetry(fastRetry)}, opts...)...)
}

// submit posts a form on a sandbox OVO page and returns status and Location.
func (e *env) submit(t *testing.T, page string, form url.Values) (int, string) {
	t.Helper()
	resp, err := e.browser.PostForm(page, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location")
}

// link binds phone for cust through the OVO page and returns the customer token.
func (e *env) link(t *testing.T, phone, cust string) *doku.CustomerToken {
	t.Helper()
	ctx := context.Background()
	b, err := e.client.BindAccount(ctx, &doku.BindParams{PhoneNo: phone, CustIDMerchant: cust, SuccessRegistrationURL: successURL, FailedRegistrationURL: failureURL})
	if err != nil {
		t.Fatal(err)
	}
	status, loc := e.submit(t, b.RedirectURL, url.Values{"otp": {sandbox.SandboxOTP}, "pin": {sandbox.SandboxPIN}, "action": {"confirm"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, successURL) {
		t.Fatalf("binding page answered %d %s", status, loc)
	}
	u, _ := url.Parse(loc)
	if u.Query().Get("custIdMerchant") != cust {
		t.Errorf("redirect %s lacks custIdMerchant", loc)
	}
	ct, err := e.client.AccessTokenB2B2C(ctx, &doku.CustomerTokenParams{AuthCode: u.Query().Get("authCode")})
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func (e *env) pay(t *testing.T, token, ref string, amount int64) *doku.Payment {
	t.Helper()
	p, err := e.client.Pay(context.Background(), &doku.PaymentParams{CustomerToken: token, PartnerReferenceNo: ref, Amount: amount, SuccessPaymentURL: successURL, FailedPaymentURL: failureURL})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *env) cash(t *testing.T, token string) int64 {
	t.Helper()
	b, err := e.client.BalanceInquiry(context.Background(), &doku.BalanceParams{CustomerToken: token})
	if err != nil {
		t.Fatal(err)
	}
	v, ok := b.Cash()
	if !ok {
		t.Fatal("no CASH balance")
	}
	return v
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keyPaths(t testing.TB, doc []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, doc)
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
				walk(prefix+"[].", c)
			}
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
