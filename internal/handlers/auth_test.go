package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

func auditActions(t *testing.T, a *testApp) []string {
	t.Helper()
	var out []string
	err := a.store.EachAudit(context.Background(), store.AuditFilter{}, func(e models.AuditEntry) error {
		out = append(out, e.Action)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

func TestWrongPasswordAndUnknownEmailGetTheSameGenericMessage(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	wrong := b.login("finance@example.com", "not the password at all")
	unknown := b.login("nobody@example.com", "not the password at all")
	for _, p := range []page{wrong, unknown} {
		if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, i18n.In(i18n.EN, msgBadLogin)) {
			t.Fatalf("status %d body %s", p.Status, p.Body)
		}
	}
	if !strings.Contains(wrong.Body, `value="finance@example.com"`) {
		t.Fatal("the typed email was not kept")
	}
	if got := count(auditActions(t, a), "login.failed"); got != 2 {
		t.Fatalf("login.failed entries = %d, want 2", got)
	}
	if b.get("/").Status != http.StatusSeeOther {
		t.Fatal("a failed login signed someone in")
	}
}

func TestMalformedLoginInput(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.get("/login")
	cases := []url.Values{
		{"email": {""}, "password": {""}},
		{"email": {strings.Repeat("a", 300) + "@example.com"}, "password": {"x"}},
		{"email": {"admin@example.com"}, "password": {strings.Repeat("p", 10000)}},
	}
	for _, form := range cases {
		p := b.post("/login", form)
		if p.Status < 400 || p.Status >= 500 || !strings.Contains(p.Body, `data-testid="login-error"`) {
			t.Errorf("form %v: status %d", form["email"], p.Status)
		}
	}
}

func TestDisabledUserCannotSignInAndIsSignedOutAtOnce(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	id := a.users[models.RoleFinance].ID
	if p := admin.post("/users/"+itoa(id)+"/disable", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", p.Status, p.Body)
	}
	p := fin.get("/balance")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
		t.Fatalf("disabled user's session still works: %d %s", p.Status, p.Location)
	}
	login := a.browser().login("finance@example.com", testPassword)
	if login.Status != http.StatusForbidden || !strings.Contains(login.Body, "disabled") {
		t.Fatalf("disabled login: %d", login.Status)
	}
}

func TestPasswordResetEndsSessionsAndOldPasswordStopsWorking(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	id := a.users[models.RoleFinance].ID
	if p := admin.post("/users/"+itoa(id)+"/password", url.Values{"password": {"short"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "at least 12") {
		t.Fatalf("short password accepted: %d", p.Status)
	}
	if fin.get("/").Status != http.StatusOK {
		t.Fatal("a refused reset ended the session")
	}
	if p := admin.post("/users/"+itoa(id)+"/password", url.Values{"password": {"a brand new password"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", p.Status)
	}
	a.approvePending()
	if p := fin.get("/"); p.Status != http.StatusSeeOther {
		t.Fatal("session survived a password reset")
	}
	if p := a.browser().login("finance@example.com", testPassword); p.Status != http.StatusUnauthorized {
		t.Fatalf("old password still works: %d", p.Status)
	}
	if p := a.browser().login("finance@example.com", "a brand new password"); p.Status != http.StatusSeeOther {
		t.Fatalf("new password refused: %d", p.Status)
	}
}

func TestSessionIdleAndAbsoluteExpiry(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleFinance)
	a.clock.Advance(IdleTimeout - time.Minute)
	if b.get("/").Status != http.StatusOK {
		t.Fatal("session ended before the idle limit")
	}
	a.clock.Advance(IdleTimeout + time.Minute)
	p := b.get("/balance")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
		t.Fatalf("idle session still valid: %d", p.Status)
	}
	if lp := b.get(p.Location); !strings.Contains(lp.Body, "Your session ended") {
		t.Fatal("no message telling the person their session ended")
	}

	// Active all along, the session still ends after the absolute limit.
	b = a.signedIn(models.RoleFinance)
	for elapsed := time.Duration(0); elapsed < AbsoluteTimeout-time.Hour; elapsed += 20 * time.Minute {
		a.clock.Advance(20 * time.Minute)
		if b.get("/").Status != http.StatusOK {
			t.Fatalf("active session ended after %v", elapsed)
		}
	}
	a.clock.Advance(2 * time.Hour)
	if b.get("/").Status != http.StatusSeeOther {
		t.Fatal("session outlived the absolute limit")
	}
}

func TestLoginStartsANewSessionAndLogoutRevokesIt(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.get("/login")
	before := b.csrf
	b.login("auditor@example.com", testPassword)
	b.get("/")
	if b.csrf == before {
		t.Fatal("CSRF token not rotated at sign-in")
	}
	u, _ := url.Parse(a.http.URL)
	stolen := b.c.Jar.Cookies(u) // a copy of the cookie taken while signed in
	if p := b.post("/logout", nil); p.Status != http.StatusSeeOther || p.Location != "/login" {
		t.Fatalf("logout: %d %s", p.Status, p.Location)
	}
	thief := a.browser()
	thief.c.Jar.SetCookies(u, stolen)
	if p := thief.get("/"); p.Status != http.StatusSeeOther {
		t.Fatal("the old cookie still works after sign-out")
	}
	acts := auditActions(t, a)
	if count(acts, "login.ok") != 1 || count(acts, "logout") != 1 {
		t.Fatalf("audit = %v", acts)
	}
}

// Session keys kept in the data directory survive a restart, and so do sessions.
func TestRestartKeepsPeopleSignedIn(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	a2 := openTestApp(t, a.dbPath, a.clock, false)
	b.a = a2
	if p := b.get("/"); p.Status != http.StatusOK {
		t.Fatalf("after restart: %d", p.Status)
	}
}

func TestCSRFIsRequiredOnEveryChange(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	form := func(csrf string) url.Values {
		return url.Values{"_csrf": {csrf}, "name": {"Eve"}, "email": {"eve@example.com"}, "role": {"admin"}, "password": {"a long enough password"}}
	}
	for name, f := range map[string]url.Values{"missing": form(""), "wrong": form(strings.Repeat("0", 64))} {
		p := b.post("/users", f)
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Nothing was changed") {
			t.Errorf("%s token: %d", name, p.Status)
		}
	}
	// A cross-site POST with the right token is refused too.
	req, _ := http.NewRequest("POST", a.http.URL+"/users", strings.NewReader(form(b.csrf).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if p := b.do(req); p.Status != http.StatusForbidden {
		t.Errorf("cross-origin POST: %d", p.Status)
	}
	req, _ = http.NewRequest("POST", a.http.URL+"/users", strings.NewReader(form(b.csrf).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.Status != http.StatusForbidden {
		t.Errorf("Sec-Fetch-Site cross-site POST: %d", p.Status)
	}
	if _, err := a.store.UserByEmail(context.Background(), "eve@example.com"); err == nil {
		t.Fatal("a refused request created a user")
	}
	// The same form with the token works.
	if p := b.post("/users", form(b.csrf)); p.Status != http.StatusSeeOther {
		t.Fatalf("valid form: %d %s", p.Status, p.Body)
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	b.get("/audit-log?token=supersecretcallbacktoken")
	b.post("/users", url.Values{"name": {"Eve"}, "email": {"eve@example.com"}, "role": {"finance"}, "password": {"eve's secret password"}})
	u, _ := url.Parse(a.http.URL)
	logs := a.logs.String()
	if !strings.Contains(logs, `"request_id"`) {
		t.Fatal("no request ids in the logs")
	}
	secrets := []string{testPassword, "eve's secret password", "supersecretcallbacktoken", b.csrf}
	for _, c := range b.c.Jar.Cookies(u) {
		secrets = append(secrets, c.Value)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain a secret %.12q…", s)
		}
	}
}

func TestSafeNextStaysOnSite(t *testing.T) {
	for in, want := range map[string]string{
		"/disbursements?x=1": "/disbursements?x=1",
		"//evil.example":     "/",
		"https://evil":       "/",
		"/\\evil":            "/",
		"":                   "/",
		"/\t/evil.example":   "/",
		"/\n/evil.example":   "/",
		"/\x00/evil":         "/",
		"/%09/x":             "/%09/x",
		"http:/evil.example": "/",
		"/a?next=//evil":     "/a?next=//evil",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
