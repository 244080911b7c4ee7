//go:build browser

package e2e

import (
	"net/url"
	"testing"
)

// TestSignInNextStaysOnSite: a ?next= the browser would resolve off-site
// (a TAB makes "/\t/example.org/" read as "//example.org/") ends on this
// site's overview; a plain path is honoured after the code is entered.
func TestSignInNextStaysOnSite(t *testing.T) {
	base, _ := url.Parse(baseURL)
	for _, tc := range []struct{ next, wantPath string }{
		{"/\t/example.org/", "/"},
		{"/balance", "/balance"},
	} {
		p := newBrowser(t, testContext(t))
		p.open("/login?next=" + url.QueryEscape(tc.next))
		p.waitVisible(`[data-testid=page-login]`)
		p.typeInto(`[data-testid=field-email] input`, finance.Email)
		p.typeInto(`[data-testid=field-password] input`, finance.Password)
		p.click(`[data-testid=login-submit]`)
		p.passSecondFactor(finance)
		loc := p.location()
		if loc.Host != base.Host || loc.Path != tc.wantPath {
			t.Errorf("next=%q: after signing in the browser is at %s, want %s%s", tc.next, loc, base.Host, tc.wantPath)
		}
		noteSignedIn(finance.Email)
	}
}

// TestWrongCodeIsRefusedBesideTheField: the code page names its field otp,
// says what was wrong, and a right code then signs in.
func TestWrongCodeIsRefusedBesideTheField(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.open("/login")
	p.typeInto(`[data-testid=field-email] input`, admin.Email)
	p.typeInto(`[data-testid=field-password] input`, admin.Password)
	p.click(`[data-testid=login-submit]`)
	p.passSecondFactor(admin) // enrols on a first run; later runs pass the code
	p.click(`[data-testid=logout]`)

	p.typeInto(`[data-testid=field-email] input`, admin.Email)
	p.typeInto(`[data-testid=field-password] input`, admin.Password)
	p.click(`[data-testid=login-submit]`)
	p.waitVisible(`[data-testid=page-otp]`)
	if n := p.count(`input[name=otp]`); n != 1 {
		t.Fatalf("%d inputs named otp on the code page, want 1", n)
	}
	p.typeInto(`[data-testid=field-otp] input`, "000000")
	if resp := p.click(`[data-testid=otp-submit]`); resp.Status != 422 {
		t.Errorf("a wrong code answers %d, want 422", resp.Status)
	}
	if got := p.text(`[data-testid=otp-error]`); got == "" {
		t.Error("no message for the wrong code")
	}
	p.typeInto(`[data-testid=field-otp] input`, currentCode(p, admin.Email))
	p.click(`[data-testid=otp-submit]`)
	p.waitVisible(`[data-testid=page-overview]`)
	noteSignedIn(admin.Email)
}
