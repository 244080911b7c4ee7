package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/internal/auth"
	"backoffice/internal/checkout"
	"backoffice/internal/config"
	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/disbursements"
	"backoffice/internal/intake"
	"backoffice/internal/models"
	"backoffice/internal/providers/doku"
	"backoffice/internal/providers/oy"
	oysb "backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/providers/provider"

	"backoffice/internal/store"
	"backoffice/internal/va"

	"github.com/pquerna/otp/totp"
)

const testPassword = "correct horse battery staple"

// fakeClock is a settable clock shared by the server under test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testApp is a real server over a real SQLite file, reached over HTTP.
type testApp struct {
	t      *testing.T
	srv    *Server
	worker *intake.Worker
	oy     *oysb.Sandbox
	oyHTTP *httptest.Server
	disb   *disbursements.Service
	// checkout is the payment link and invoice service (tests drive its scheduler).
	checkout *checkout.Service
	va       *va.Service
	http     *httptest.Server
	store    *store.Store
	clock    *fakeClock
	logs     *syncBuffer
	users    map[models.Role]*models.User
	// totp holds the second-factor secret of each enrolled user by email
	// (the seeded admin and finance, who must have one).
	totp   map[string]string
	cfg    *config.Config
	dbPath string
	db     *db.DB // the test reaches past the store only to stage what no page can (a due poll, a dead pool)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var testHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	return openTestApp(t, dbtest.URL(t, "test.db"), nil, true)
}

func openTestApp(t *testing.T, dbPath string, clock *fakeClock, seed bool) *testApp {
	t.Helper()
	dataDir := filepath.Dir(dbPath)
	if db.IsPostgres(dbPath) {
		dataDir = t.TempDir()
	}
	env := map[string]string{
		"DASHBOARD_DATA_DIR":          dataDir,
		"DATABASE_URL":                dbPath,
		"DASHBOARD_SESSION_HASH_KEY":  strings.Repeat("ab", 32),
		"DASHBOARD_SESSION_BLOCK_KEY": strings.Repeat("cd", 32),
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.EnsureSecrets(); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(d)
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if clock == nil {
		clock = &fakeClock{t: time.Now().UTC()}
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))

	// The dashboard's address must be known before the OY sandbox that
	// calls it back is made, so the server starts with a forwarding handler.
	var handler http.Handler = http.NotFoundHandler()
	var handlerMu sync.RWMutex
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerMu.RLock()
		h := handler
		handlerMu.RUnlock()
		h.ServeHTTP(w, r)
	}))
	oySandbox := oysb.New(oysb.Options{Username: cfg.OY.Username, APIKey: cfg.OY.APIKey, PublicURL: hs.URL + "/sandbox/oy",
		DisbursementCallbackURL: hs.URL + "/callbacks/oy/disbursement?token=" + cfg.OY.CallbackToken,
		CheckoutCallbackURL:     hs.URL + "/callbacks/oy/checkout?token=" + cfg.OY.CallbackToken,
		VACallbackURL:           hs.URL + "/callbacks/oy/va?token=" + cfg.OY.CallbackToken,
		SettleDelay:             150 * time.Millisecond, CallbackRetryDelay: 50 * time.Millisecond, SlowDelay: 3 * time.Second, Logger: log})
	oyServer := httptest.NewServer(oySandbox)
	oyClient := oy.New(oy.Config{BaseURL: oyServer.URL, Username: cfg.OY.Username, APIKey: cfg.OY.APIKey, Timeout: time.Second, Logger: log},
		oy.WithRetry(provider.RetryPolicy{Attempts: 2, Base: 10 * time.Millisecond}))

	worker := intake.NewWorker(st, log)
	writer, err := st.NewCallbackWriter(worker.Committed)
	if err != nil {
		t.Fatal(err)
	}
	worker.Follow(writer)
	secrets := &intake.Secrets{OYToken: cfg.OY.CallbackToken, AyopopToken: cfg.Ayopop.CallbackToken, FaspayUserID: cfg.Faspay.UserID,
		FaspayPassword: cfg.Faspay.Password, DokuClientID: cfg.Doku.ClientID, DokuSecretKey: cfg.Doku.SecretKey, DokuTokens: doku.NewTokenIssuer(cfg.SessionHashKey),
		DokuPublicKey: &testDokuKey().PublicKey}
	disb := disbursements.New(st, oyClient, log)
	worker.Register("oy", "disbursement", intake.ProcessorFunc(disb.ProcessCallback))
	co := checkout.New(st, oyClient, log, checkout.Options{Now: clock.Now, LinkURL: func(kind models.CheckoutKind, id string) string {
		return hs.URL + "/sandbox/oy/pay/" + id
	}})
	worker.Register("oy", "checkout", intake.ProcessorFunc(co.ProcessCallback))
	vas := va.New(st, oyClient, log, clock.Now)
	worker.Register("oy", "va", intake.ProcessorFunc(vas.ProcessCallback))
	cbs := &Callbacks{Endpoints: intake.Endpoints(secrets), Writer: writer, Worker: worker}
	srv, err := New(Deps{Config: cfg, Store: st, Logger: log, Now: clock.Now, Callbacks: cbs, Disbursements: disb, Checkout: co, VA: vas})
	if err != nil {
		t.Fatal(err)
	}
	handlerMu.Lock()
	handler = srv.Handler()
	handlerMu.Unlock()
	a := &testApp{t: t, srv: srv, worker: worker, http: hs, store: st, clock: clock, logs: logs, users: map[models.Role]*models.User{}, totp: map[string]string{}, cfg: cfg, dbPath: dbPath, db: d,
		oy: oySandbox, oyHTTP: oyServer, disb: disb, checkout: co, va: vas}
	jobs, stopJobs := context.WithCancel(context.Background())
	jobsDone := make(chan struct{})
	go func() { defer close(jobsDone); disb.RunBatches(jobs) }()
	t.Cleanup(func() {
		stopJobs()
		<-jobsDone
		hs.Close()
		oyServer.Close()
		oySandbox.Close()
		writer.Close()
		d.Close()
	})
	if seed {
		for _, r := range models.Roles {
			u := &models.User{Email: string(r) + "@example.com", Name: "Test " + r.Label(), Role: r, PasswordHash: testHash()}
			if err := st.CreateUser(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			a.users[r] = u
			if u.NeedsSecondFactor() {
				a.enrolTOTP(u)
			}
		}
	}
	return a
}

// enrolTOTP gives a seeded user an authenticator secret, as if they had
// enrolled, and keeps it so the tests can compute codes.
func (a *testApp) enrolTOTP(u *models.User) {
	a.t.Helper()
	e, err := auth.NewEnrolment(u.Email)
	if err != nil {
		a.t.Fatal(err)
	}
	sealed, err := auth.SealSecret(a.srv.secretKey(), e.Secret)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.store.EnableSecondFactor(context.Background(), u.ID, sealed, nil, nil); err != nil {
		a.t.Fatal(err)
	}
	u.TOTPSecret = sealed
	a.totp[u.Email] = e.Secret
}

// otp is the current code of a seeded user's authenticator, by the
// server's clock.
func (a *testApp) otp(r models.Role) string {
	a.t.Helper()
	return a.otpOf(string(r) + "@example.com")
}

func (a *testApp) otpOf(email string) string {
	a.t.Helper()
	code, err := totp.GenerateCode(a.totp[email], a.clock.Now())
	if err != nil {
		a.t.Fatal(err)
	}
	return code
}

// browser is an HTTP client with its own cookie jar, like one browser tab.
type browser struct {
	a    *testApp
	c    *http.Client
	csrf string
}

func (a *testApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{a: a, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.a.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return page{Status: resp.StatusCode, Body: string(body), Location: resp.Header.Get("Location"), Header: resp.Header}
}

func (b *browser) get(path string) page {
	req, _ := http.NewRequest("GET", b.a.http.URL+path, nil)
	return b.do(req)
}

// post sends a form with this tab's CSRF token unless the form sets _csrf.
func (b *browser) post(path string, form url.Values) page {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		if b.csrf == "" {
			b.get("/login")
		}
		form.Set("_csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.a.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) login(email, password string) page {
	b.get("/login")
	return b.post("/login", url.Values{"email": {email}, "password": {password}})
}

func (a *testApp) signedIn(r models.Role) *browser {
	a.t.Helper()
	return a.signedInAs(string(r) + "@example.com")
}

// signedInAs signs in with testPassword and, for an enrolled user, the
// current code.
func (a *testApp) signedInAs(email string) *browser {
	a.t.Helper()
	b := a.browser()
	p := b.login(email, testPassword)
	if a.totp[email] != "" {
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login/otp") {
			a.t.Fatalf("login as %s: status %d location %q, want the code page", email, p.Status, p.Location)
		}
		b.get(p.Location)
		p = b.post("/login/otp", url.Values{"otp": {a.otpOf(email)}, "next": {"/"}})
	}
	if p.Status != http.StatusSeeOther || p.Location != "/" {
		a.t.Fatalf("login as %s: status %d location %q body %s", email, p.Status, p.Location, p.Body)
	}
	b.get("/") // picks up the post-login CSRF token
	return b
}

var navLinkRe = regexp.MustCompile(`data-testid="nav-([^"]+)"`)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// testDokuKey stands in for DOKU's key pair: the tests sign DOKU's token
// requests with it, the server verifies them with its public half.
var testDokuKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})
