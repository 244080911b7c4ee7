package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"backoffice/internal/config"
	"backoffice/internal/diskspace"
	"backoffice/internal/intake"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

// variant serves the same database, callbacks and workflows through a
// second server built from a changed configuration, over its own loopback
// listener, and returns a test app that talks to it.
func (a *testApp) variant(change func(*config.Config, *Deps)) *testApp {
	a.t.Helper()
	cfg := *a.cfg
	d := Deps{Config: &cfg, Store: a.store, Logger: slog.New(slog.NewJSONHandler(a.logs, nil)), Now: a.clock.Now,
		Callbacks: a.srv.callbacks, Disbursements: a.disb, Checkout: a.checkout}
	change(&cfg, &d)
	srv, err := New(d)
	if err != nil {
		a.t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	a.t.Cleanup(hs.Close)
	v := *a
	v.srv, v.http, v.cfg = srv, hs, &cfg
	return &v
}

func (b *browser) getWith(path string, header http.Header) page {
	req, _ := http.NewRequest("GET", b.a.http.URL+path, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	return b.do(req)
}

func lastAuditIP(t *testing.T, a *testApp, action string) string {
	t.Helper()
	ip := ""
	err := a.store.EachAudit(context.Background(), store.AuditFilter{}, func(e models.AuditEntry) error {
		if e.Action == action && ip == "" {
			ip = e.IP
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ip
}

// callbackIP posts a refused OY callback with the given X-Forwarded-For
// and returns the source IP stored for it.
func callbackIP(t *testing.T, a *testApp, xff string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", a.http.URL+"/callbacks/oy/disbursement?token=wrong", strings.NewReader(`{"partner_trx_id":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	id, err := strconv.ParseInt(resp.Header.Get("X-Callback-Id"), 10, 64)
	if err != nil {
		t.Fatalf("callback not stored: %d %v", resp.StatusCode, resp.Header)
	}
	cb, err := a.store.CallbackByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return cb.SourceIP
}

// X-Forwarded-For is believed only from DASHBOARD_TRUSTED_PROXIES, for the
// pages (sign-in audit and throttle) and for the callback URLs alike.
func TestClientIPComesThroughTrustedProxiesOnly(t *testing.T) {
	a := newTestApp(t)
	spoof := http.Header{"X-Forwarded-For": {"203.0.113.9"}}

	// No trusted proxy: the header is anyone's to send and is ignored.
	a.browser().getWith("/login", spoof)
	b := a.browser()
	b.get("/login")
	req, _ := http.NewRequest("POST", a.http.URL+"/login", strings.NewReader(url.Values{"email": {"nobody@example.com"}, "password": {"wrong password here"}, "_csrf": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	b.do(req)
	if ip := lastAuditIP(t, a, "login.failed"); ip != "127.0.0.1" {
		t.Errorf("untrusted peer: audit IP %q, want the peer 127.0.0.1", ip)
	}
	if ip := callbackIP(t, a, "203.0.113.9"); ip != "127.0.0.1" {
		t.Errorf("untrusted peer: callback source %q, want 127.0.0.1", ip)
	}

	// Behind a trusted proxy (the loopback peer here): the client it names.
	p := a.variant(func(c *config.Config, _ *Deps) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	pb := p.browser()
	pb.get("/login")
	req, _ = http.NewRequest("POST", p.http.URL+"/login", strings.NewReader(url.Values{"email": {"nobody@example.com"}, "password": {"wrong password here"}, "_csrf": {pb.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	pb.do(req)
	if ip := lastAuditIP(t, p, "login.failed"); ip != "203.0.113.9" {
		t.Errorf("trusted proxy: audit IP %q, want 203.0.113.9", ip)
	}
	for xff, want := range map[string]string{
		"203.0.113.9":                          "203.0.113.9",
		"198.51.100.1, 203.0.113.9":            "203.0.113.9", // the left entry is the client's own claim
		"198.51.100.1, 203.0.113.9, 127.0.0.5": "203.0.113.9", // a second trusted hop is walked past
		"not-an-ip":                            "127.0.0.1",
		"":                                     "127.0.0.1",
	} {
		if ip := callbackIP(t, p, xff); ip != want {
			t.Errorf("trusted proxy, X-Forwarded-For %q: callback source %q, want %s", xff, ip, want)
		}
	}
}

// An https base URL makes browsers stay on https; plain http sends no HSTS.
func TestHSTSOnlyWithAnHTTPSBaseURL(t *testing.T) {
	a := newTestApp(t)
	if h := a.browser().get("/login").Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("http base URL sent HSTS %q", h)
	}
	s := a.variant(func(c *config.Config, _ *Deps) { c.BaseURL = "https://pay.example.co.id" })
	for _, path := range []string{"/login", "/static/css/app.css", "/no-such-page"} {
		if h := s.browser().get(path).Header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=31536000") {
			t.Errorf("%s: HSTS %q", path, h)
		}
	}
}

// HEAD is answered wherever GET is, with the same status and no body.
func TestHeadIsAnsweredWhereGetIs(t *testing.T) {
	a := newTestApp(t)
	staff := a.signedIn(models.RoleAdmin)
	for _, path := range []string{"/healthz", "/readyz", "/login", "/static/css/app.css", "/", "/disbursements", "/callback-log"} {
		b := staff
		if path == "/login" {
			b = a.browser()
		}
		get := b.get(path)
		req, _ := http.NewRequest("HEAD", a.http.URL+path, nil)
		head := b.do(req)
		if head.Status != get.Status || head.Status != http.StatusOK || head.Body != "" {
			t.Errorf("HEAD %s: %d (GET %d), body %d bytes", path, head.Status, get.Status, len(head.Body))
		}
		if head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: content type %q, GET %q", path, head.Header.Get("Content-Type"), get.Header.Get("Content-Type"))
		}
	}
}

// /static/ serves files, never a listing of what is there.
func TestStaticDirectoriesAreNotListed(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	for _, path := range []string{"/static/", "/static/css/", "/static/css", "/static/js/"} {
		p := b.get(path)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(p.Body))
		if err != nil {
			t.Fatal(err)
		}
		// http.FileServer lists a directory as relative links to its entries.
		listed := doc.Find(`a[href="app.css"], a[href="htmx.min.js"], a[href="css/"], a[href="js/"]`).Length()
		if p.Status != http.StatusNotFound || listed > 0 || doc.Find(`[data-testid="page-error-404"]`).Length() != 1 {
			t.Errorf("%s: %d, %d listed entries", path, p.Status, listed)
		}
	}
	if p := b.get("/static/css/app.css"); p.Status != http.StatusOK {
		t.Errorf("app.css: %d", p.Status)
	}
}

// A cacheable answer never carries the session cookie, or a shared cache
// could hand one visitor's session to the next; pages that set it are
// marked no-store.
func TestNoSessionCookieOnCacheableResponses(t *testing.T) {
	a := newTestApp(t)
	for _, path := range []string{"/static/css/app.css", "/static/js/htmx.min.js", "/healthz", "/readyz"} {
		p := a.browser().get(path) // a fresh browser: no cookie yet
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.Status)
		}
		if sc := p.Header.Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("%s (Cache-Control %q) sets a cookie: %v", path, p.Header.Get("Cache-Control"), sc)
		}
	}
	b := a.browser()
	for _, path := range []string{"/login", "/no-such-page", "/"} {
		p := b.get(path)
		if len(p.Header.Values("Set-Cookie")) == 0 {
			continue
		}
		if cc := p.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private") {
			t.Errorf("%s sets a cookie with Cache-Control %q", path, cc)
		}
	}
	b.login(string(models.RoleFinance)+"@example.com", testPassword)
	req, _ := http.NewRequest("POST", a.http.URL+"/logout", strings.NewReader(url.Values{"_csrf": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p := b.do(req); len(p.Header.Values("Set-Cookie")) > 0 && !strings.Contains(p.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("sign-out redirect sets a cookie with Cache-Control %q", p.Header.Get("Cache-Control"))
	}
}

// Under the free-disk floor /readyz says why with a 503 and staff see a
// banner, while sign-in and approvals keep working.
func TestLowDiskIsReportedAndSignInAndApprovalsContinue(t *testing.T) {
	a := newTestApp(t)
	dir := t.TempDir()
	free := diskspace.New(dir, 1).Status().Free
	if free <= 0 {
		t.Skip("free space cannot be measured here")
	}
	low := a.variant(func(_ *config.Config, d *Deps) { d.Disk = diskspace.New(dir, free+1<<40) })
	ok := a.variant(func(_ *config.Config, d *Deps) { d.Disk = diskspace.New(dir, 1<<20) })

	if p := ok.browser().get("/readyz"); p.Status != http.StatusOK {
		t.Fatalf("above the floor: readyz %d %q", p.Status, p.Body)
	}
	if p := low.browser().get("/readyz"); p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Body, "below the floor") {
		t.Fatalf("below the floor: readyz %d %q", p.Status, p.Body)
	}

	banner := func(p page) string {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(p.Body))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(doc.Find(`[data-testid="banner-disk-low"]`).Text())
	}
	if got := banner(ok.signedIn(models.RoleAdmin).get("/")); got != "" {
		t.Errorf("banner above the floor: %q", got)
	}
	if got := banner(low.browser().get("/login")); got != "" {
		t.Errorf("banner shown before sign-in: %q", got)
	}

	maker := low.signedIn(models.RoleFinance) // fails the test if sign-in does not work
	if got := banner(maker.get("/")); !strings.Contains(got, "disk is nearly full") {
		t.Errorf("staff banner below the floor: %q", got)
	}
	id := low.makeDisbursement(maker, "014", "0123456789", 250_000)
	approver := low.signedIn(models.RoleAdmin)
	if p := approver.post("/disbursements/"+itoa(id)+"/approve", approveForm()); p.Status != http.StatusSeeOther {
		t.Fatalf("approve below the floor: %d %s", p.Status, errorsIn(p.Body))
	}
	if d := a.disbursement(id); d.Status == models.DisbWaitingApproval {
		t.Fatalf("approval below the floor changed nothing: %s", d.Status)
	}
}

// A provider allow-list judges the client a trusted proxy names, and only
// a trusted proxy: a header from anyone else cannot get past it.
func TestCallbackAllowListBehindATrustedProxy(t *testing.T) {
	a := newTestApp(t)
	allowOnly := func(trusted []netip.Prefix) *testApp {
		return a.variant(func(c *config.Config, d *Deps) {
			c.TrustedProxies = trusted
			secrets := &intake.Secrets{AllowIPs: map[string][]netip.Prefix{"faspay": {netip.MustParsePrefix("203.0.113.0/24")}}}
			d.Callbacks = &Callbacks{Endpoints: intake.Endpoints(secrets), Writer: a.srv.callbacks.Writer, Worker: a.srv.callbacks.Worker}
		})
	}
	status := func(v *testApp, xff string) int {
		req, _ := http.NewRequest("GET", v.http.URL+"/callbacks/faspay/ovo-linkage", nil)
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	direct := allowOnly(nil)
	if got := status(direct, "203.0.113.9"); got != http.StatusForbidden {
		t.Errorf("no trusted proxy, forged allowed address: %d, want 403", got)
	}
	proxied := allowOnly([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	if got := status(proxied, "203.0.113.9"); got == http.StatusForbidden {
		t.Error("allowed client behind the trusted proxy was refused")
	}
	if got := status(proxied, "203.0.113.9, 198.51.100.20"); got != http.StatusForbidden {
		t.Errorf("client outside the allow-list that prepended an allowed address: %d, want 403", got)
	}
}
