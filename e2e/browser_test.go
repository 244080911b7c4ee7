//go:build browser

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"
)

// stepTimeout bounds one step (a wait, a click and its page load), so a
// missing element fails in seconds with its selector named, not at the
// test's deadline.
const stepTimeout = 15 * time.Second

// tab is one browser tab with the test it reports to.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu         sync.Mutex
	exceptions []string
}

// newBrowser starts a fresh chromium (its own temporary profile) for the
// test and returns its first tab. The browser ends with the test.
func newBrowser(t *testing.T, ctx context.Context) *tab {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// The first Do starts the browser; its life is bound to the test's context.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium (%s): %v", chromium, err)
	}
	return attach(t, bctx)
}

// freshContext opens a tab in a new browser context of the same browser:
// no cookies, no storage, like a private window.
func (p *tab) freshContext() *tab {
	p.t.Helper()
	ctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithNewBrowserContext())
	p.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		p.t.Fatalf("open a new browser context: %v", err)
	}
	return attach(p.t, ctx)
}

// attach records the page's uncaught JavaScript exceptions; the test fails
// on any of them when it ends.
func attach(t *testing.T, ctx context.Context) *tab {
	p := &tab{t: t, ctx: ctx}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdpruntime.EventExceptionThrown); ok {
			p.mu.Lock()
			defer p.mu.Unlock()
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			p.exceptions = append(p.exceptions, fmt.Sprintf("%s:%d: %s", d.URL, d.LineNumber+1, msg))
		}
	}); err != nil {
		t.Fatalf("listen to the page: %v", err)
	}
	// New headless chromium counts its (invisible) toolbar in the window
	// size, so set the page's viewport itself: screenshots are 1366 wide
	// and at least 900 tall on every chromium version.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatalf("set the viewport: %v", err)
	}
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, e := range p.exceptions {
			t.Errorf("uncaught JavaScript exception: %s", e)
		}
	})
	return p
}

// fatal stops the test, saying where the browser was and what it showed.
func (p *tab) fatal(format string, args ...any) {
	p.t.Helper()
	msg := fmt.Sprintf(format, args...)
	// The step's own context may have expired; use a short one of the tab's.
	ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(body) > 1500 {
		body = body[:1500] + "…"
	}
	p.t.Fatalf("%s\n  at %s\n  page text:\n%s", msg, loc, indent(body))
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

// do runs steps that return nothing, each group bounded by stepTimeout.
func (p *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.fatal("%s: %v", what, err)
	}
}

// get runs one action that returns a value.
func get[T any](p *tab, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.fatal("%s: %v", what, err)
	}
	return v
}

// open types a path into the address bar, in effect, and waits for the page.
func (p *tab) open(path string) *network.Response {
	p.t.Helper()
	return get(p, "open "+path, chromedp.NavigateResponse(baseURL+path))
}

// click clicks something that loads a new page (a link, a submit button)
// and waits for that page; it returns the response of the final document.
func (p *tab) click(sel string) *network.Response {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		p.fatal("click %s and wait for the next page: %v", sel, err)
	}
	return resp
}

// waitVisible waits until sel is rendered and visible.
func (p *tab) waitVisible(sel string) {
	p.t.Helper()
	p.do("wait for "+sel+" to be visible", chromedp.WaitVisible(chromedp.CSS(sel)))
}

// text is the visible text of the first element matching sel, once visible.
func (p *tab) text(sel string) string {
	p.t.Helper()
	return strings.TrimSpace(get(p, "read the text of "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// value is the current value of a form control.
func (p *tab) value(sel string) string {
	p.t.Helper()
	return get(p, "read the value of "+sel, chromedp.Value(chromedp.CSS(sel), chromedp.NodeReady))
}

// count is how many elements match sel, without waiting for any.
func (p *tab) count(sel string) int {
	p.t.Helper()
	return get(p, "count "+sel, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
}

// visibleTexts is the trimmed innerText of every visible element matching sel.
func (p *tab) visibleTexts(sel string) []string {
	p.t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q))
		.filter(e => e.offsetParent !== null)
		.map(e => e.innerText.trim())`, sel)
	return get(p, "read the texts of "+sel, chromedp.Evaluate[[]string](js))
}

// location is the URL the browser shows.
func (p *tab) location() *url.URL {
	p.t.Helper()
	loc := get(p, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		p.fatal("location %q: %v", loc, err)
	}
	return u
}

// typeInto focuses a field and types text with key events.
func (p *tab) typeInto(sel, text string) {
	p.t.Helper()
	p.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// clearField selects everything in a text field and deletes it with the
// Backspace key, as a person would.
func (p *tab) clearField(sel string) {
	p.t.Helper()
	p.do("clear "+sel,
		chromedp.Focus(chromedp.CSS(sel), chromedp.NodeVisible),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).select()`, sel)),
		chromedp.KeyEvent(kb.Backspace),
	)
	if v := p.value(sel); v != "" {
		p.fatal("%s still holds %q after clearing it", sel, v)
	}
}

// choose picks the option with the given label in a <select> by focusing
// it and typing the label (the browser's type-ahead), then checks the value.
func (p *tab) choose(sel, label, wantValue string) {
	p.t.Helper()
	p.do("choose "+label+" in "+sel, chromedp.SendKeys(chromedp.CSS(sel), label))
	if v := p.value(sel); v != wantValue {
		p.fatal("after typing %q in %s its value is %q, want %q", label, sel, v, wantValue)
	}
}

// screenshot saves a full-page PNG named name.png: into E2E_SCREENSHOTS when
// set, else into the test's temporary directory (so the code path runs in
// every run, and the file is deleted with the test).
func (p *tab) screenshot(name string) {
	p.t.Helper()
	buf := get(p, "screenshot "+name, chromedp.FullScreenshot(100))
	cfg, err := png.DecodeConfig(bytes.NewReader(buf))
	if err != nil {
		p.t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if cfg.Width < 1000 || cfg.Height < 300 {
		p.t.Errorf("screenshot %s is only %dx%d", name, cfg.Width, cfg.Height)
	}
	dir := shotDir
	if dir == "" {
		dir = p.t.TempDir()
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Fatalf("save screenshot: %v", err)
	}
	if shotDir != "" {
		p.t.Logf("screenshot %s (%dx%d)", path, cfg.Width, cfg.Height)
	}
}

// signIn fills the login form that is on screen and submits it, expecting
// the overview.
func (p *tab) signIn(a account) {
	p.t.Helper()
	p.waitVisible(`[data-testid=page-login]`)
	p.typeInto(`[data-testid=field-email] input`, a.Email)
	p.typeInto(`[data-testid=field-password] input`, a.Password)
	resp := p.click(`[data-testid=login-submit]`)
	if resp.Status != 200 {
		p.fatal("signing in as %s answered %d, want 200 (after the redirect)", a.Email, resp.Status)
	}
	p.passSecondFactor(a)
	p.waitVisible(`[data-testid=page-overview]`)
	if got := p.location().Path; got != "/" {
		p.fatal("after signing in the browser is at %s, want /", got)
	}
	noteSignedIn(a.Email)
}

// openAndSignIn goes to the site as a stranger and signs in from the
// login page it is sent to.
func (p *tab) openAndSignIn(a account) {
	p.t.Helper()
	p.open("/")
	p.signIn(a)
}

// passSecondFactor answers the second step of signing in when the page asks
// for it: the code page (from the secret kept at enrolment) or, at a first
// sign-in, enrolment itself, reading the secret from the otpauth:// URI
// shown beside the QR code, as someone who cannot scan would.
func (p *tab) passSecondFactor(a account) {
	p.t.Helper()
	switch p.location().Path {
	case "/login/otp":
		p.waitVisible(`[data-testid=page-otp]`)
		p.typeInto(`[data-testid=field-otp] input`, currentCode(p, a.Email))
		if resp := p.click(`[data-testid=otp-submit]`); resp.Status != 200 {
			p.fatal("the code of %s answered %d, want 200 (after the redirect)", a.Email, resp.Status)
		}
	case "/account/two-factor":
		p.waitVisible(`[data-testid=page-2fa-enrol]`)
		if w := get(p, "QR code width", chromedp.Evaluate[int](`document.querySelector('[data-testid=otp-qr]').naturalWidth`)); w < 100 {
			p.fatal("the QR code image is %d px wide; it did not load", w)
		}
		uri, err := url.Parse(p.text(`[data-testid=otp-uri]`))
		if err != nil || uri.Scheme != "otpauth" || uri.Query().Get("secret") == "" {
			p.fatal("the enrolment page shows no otpauth:// URI with a secret: %v", err)
		}
		rememberSecret(a.Email, uri.Query().Get("secret"))
		if a.Role == "admin" {
			p.screenshot("07-2fa-enrol")
		}
		p.typeInto(`[data-testid=field-otp] input`, currentCode(p, a.Email))
		if resp := p.click(`[data-testid=otp-enrol-submit]`); resp.Status != 200 {
			p.fatal("enrolling %s answered %d, want 200", a.Email, resp.Status)
		}
		p.waitVisible(`[data-testid=page-2fa-recovery]`)
		if n := p.count(`[data-testid=recovery-code]`); n != 10 {
			p.fatal("%d recovery codes shown, want 10", n)
		}
		p.click(`[data-testid=recovery-continue]`)
	}
}

var (
	secretsMu sync.Mutex
	secrets   = map[string]string{} // TOTP secret by email, from enrolment
)

func rememberSecret(email, secret string) {
	secretsMu.Lock()
	defer secretsMu.Unlock()
	secrets[email] = secret
}

func currentCode(p *tab, email string) string {
	p.t.Helper()
	secretsMu.Lock()
	secret := secrets[email]
	secretsMu.Unlock()
	if secret == "" {
		p.fatal("no TOTP secret known for %s: it enrolled outside these tests", email)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		p.fatal("TOTP code: %v", err)
	}
	return code
}
