package handlers

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp/totp"

	"backoffice/internal/auth"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

// browserFrom is a browser whose connections come from another loopback
// address (127.0.0.x), so the server sees a different client IP.
func (a *testApp) browserFrom(ip string) *browser {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64}
	a.t.Cleanup(tr.CloseIdleConnections)
	return &browser{a: a, c: &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// byTestID finds the elements of a page with a data-testid.
func byTestID(t *testing.T, p page, id string) *goquery.Selection {
	t.Helper()
	return doc(t, p).Find(`[data-testid="` + id + `"]`)
}

// 40 guesses at once on one account from one address: the attempts are
// counted before any password is checked, so at most 5 checks run
// (in fact 3: the 4th must wait 10 s after the 3rd failure).
func TestParallelGuessesGetAtMostFivePasswordChecks(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.get("/login")
	before := auth.PasswordChecks()
	var wg sync.WaitGroup
	statuses := make([]int, 40)
	for i := range 40 {
		pw := "wrong password number " + itoa(int64(i))
		if i == 39 {
			pw = testPassword
		}
		wg.Go(func() {
			form := url.Values{"email": {"finance@example.com"}, "password": {pw}, "_csrf": {b.csrf}}
			req, _ := http.NewRequest("POST", a.http.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	checks := auth.PasswordChecks() - before
	if checks > auth.MaxPerAccountIP {
		t.Fatalf("%d password checks for 40 parallel attempts, want at most %d", checks, auth.MaxPerAccountIP)
	}
	refused := 0
	for _, s := range statuses {
		if s == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused < 40-auth.MaxPerAccountIP {
		t.Fatalf("only %d of 40 attempts were refused (statuses %v)", refused, statuses)
	}
	t.Logf("40 parallel attempts: %d password checks, %d refused", checks, refused)
}

// Failures from one address slow that address down, then stop it, while
// the owner on another address signs in as usual.
func TestGuessesFromOneAddressGrowSlowerAndDoNotLockTheOwnerOut(t *testing.T) {
	a := newTestApp(t)
	thief := a.browserFrom("127.0.0.2")
	try := func(want int) {
		t.Helper()
		if p := thief.login("auditor@example.com", "wrong password here"); p.Status != want {
			t.Fatalf("status %d, want %d", p.Status, want)
		}
	}
	try(http.StatusUnauthorized)
	try(http.StatusUnauthorized)
	try(http.StatusUnauthorized)
	p := thief.login("auditor@example.com", testPassword) // even the right one waits now
	if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") != "10" {
		t.Fatalf("4th attempt at once: %d, Retry-After %q", p.Status, p.Header.Get("Retry-After"))
	}
	if msg := byTestID(t, p, "login-error").Text(); !strings.Contains(msg, "Wait 10 seconds") {
		t.Fatalf("message %q", msg)
	}
	a.clock.Advance(10 * time.Second)
	try(http.StatusUnauthorized)
	try(http.StatusTooManyRequests)
	a.clock.Advance(30 * time.Second)
	try(http.StatusUnauthorized)
	a.clock.Advance(5 * time.Minute)
	try(http.StatusTooManyRequests) // five failures: this address is done for the window

	owner := a.browserFrom("127.0.0.3")
	if p := owner.login("auditor@example.com", testPassword); p.Status != http.StatusSeeOther || p.Location != "/" {
		t.Fatalf("the owner was locked out by someone else's guesses: %d %s", p.Status, p.Location)
	}
	a.clock.Advance(auth.ThrottleWindow)
	if p := thief.login("auditor@example.com", testPassword); p.Status != http.StatusSeeOther {
		t.Fatalf("after the window: %d", p.Status)
	}
}

// Guesses spread over many addresses meet the softer per-account limit.
func TestSpreadGuessesMeetTheAccountLimit(t *testing.T) {
	a := newTestApp(t)
	failures := 0
	for i := 0; failures < auth.MaxPerAccount; i++ {
		b := a.browserFrom("127.0.1." + itoa(int64(10+i)))
		for n := range auth.MaxPerAccountIP {
			if n == 3 {
				a.clock.Advance(10 * time.Second)
			}
			if n == 4 {
				a.clock.Advance(30 * time.Second)
			}
			if p := b.login("auditor@example.com", "wrong password here"); p.Status != http.StatusUnauthorized {
				t.Fatalf("address %d attempt %d: %d", i, n, p.Status)
			}
			failures++
		}
	}
	if p := a.browserFrom("127.0.2.1").login("auditor@example.com", testPassword); p.Status != http.StatusTooManyRequests {
		t.Fatalf("after %d failures across addresses: %d", failures, p.Status)
	}
}

func TestFailedSignInsAreThrottledPerIP(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	for i := range auth.MaxPerIP {
		if p := b.login("guess"+strings.Repeat("x", i)+"@example.com", "wrong password here"); p.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, p.Status)
		}
	}
	if p := b.login("admin@example.com", testPassword); p.Status != http.StatusTooManyRequests {
		t.Fatalf("IP not throttled: %d", p.Status)
	}
	if count(auditActions(t, a), "login.throttled") != 1 {
		t.Fatal("throttled sign-in not audited")
	}
}

// lockOut spends the five attempts of one address on an account.
func lockOut(t *testing.T, a *testApp, b *browser, email string) {
	t.Helper()
	for n := range auth.MaxPerAccountIP {
		if n >= 3 {
			a.clock.Advance(30 * time.Second)
		}
		b.login(email, "wrong password here")
	}
	if p := b.login(email, testPassword); p.Status != http.StatusTooManyRequests {
		t.Fatalf("not locked: %d", p.Status)
	}
}

func TestAdminUnlockAndPasswordResetLiftTheLock(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	id := itoa(a.users[models.RoleAuditor].ID)
	b := a.browser()
	lockOut(t, a, b, "auditor@example.com")
	if got := byTestID(t, admin.get("/users/"+id), "user-failed-sign-ins").Text(); got != "5" {
		t.Fatalf("staff page shows %q failed sign-ins", got)
	}
	if p := admin.post("/users/"+id+"/unlock", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("unlock: %d %s", p.Status, p.Body)
	}
	if p := b.login("auditor@example.com", testPassword); p.Status != http.StatusSeeOther {
		t.Fatalf("after unlock: %d", p.Status)
	}
	b = a.browser()
	lockOut(t, a, b, "auditor@example.com")
	if p := admin.post("/users/"+id+"/password", url.Values{"password": {"a brand new password"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", p.Status)
	}
	a.approvePending()
	if p := b.login("auditor@example.com", "a brand new password"); p.Status != http.StatusSeeOther {
		t.Fatalf("the reset did not lift the lock: %d", p.Status)
	}
	acts := auditActions(t, a)
	if count(acts, "user.unlock") != 1 {
		t.Fatalf("audit %v", acts)
	}
}

func TestPasswordRulesEachSayTheirSentence(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	p := admin.post("/users", url.Values{"name": {"Siti Rahma"}, "email": {"siti.rahma@example.co.id"}, "role": {"auditor"}, "password": {"password"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", p.Status)
	}
	msg := byTestID(t, p, "error-password").Text()
	for _, want := range []string{auth.MsgTooShort, auth.MsgCommon} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if v, _ := doc(t, p).Find(`[data-testid="field-email"] input`).Attr("value"); v != "siti.rahma@example.co.id" {
		t.Errorf("email not kept: %q", v)
	}
	p = admin.post("/users", url.Values{"name": {"Siti Rahma"}, "email": {"siti.rahma@example.co.id"}, "role": {"auditor"}, "password": {"siti rahma is here 2026"}})
	if msg := byTestID(t, p, "error-password").Text(); p.Status != http.StatusUnprocessableEntity || !strings.Contains(msg, auth.MsgHasName) || !strings.Contains(msg, auth.MsgHasEmail) {
		t.Fatalf("status %d error %q", p.Status, msg)
	}
	if _, err := a.store.UserByEmail(context.Background(), "siti.rahma@example.co.id"); err == nil {
		t.Fatal("a refused form created the user")
	}
}

func TestClientRequestIDIsKeptOnlyWhenShortAndPlain(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.get("/login")
	send := func(id string) string {
		form := url.Values{"email": {"nobody@example.com"}, "password": {"wrong password here"}, "_csrf": {b.csrf}}
		req, _ := http.NewRequest("POST", a.http.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Request-Id", id)
		return b.do(req).Header.Get("X-Request-Id")
	}
	if got := send("trace-abc.123_X"); got != "trace-abc.123_X" {
		t.Fatalf("a plain id was replaced: %q", got)
	}
	for _, bad := range []string{strings.Repeat("a", 1<<20), strings.Repeat("b", 65), "x y", "id\u00e9", "<script>"} {
		got := send(bad)
		if got == bad || len(got) == 0 || len(got) > maxRequestIDLength || !validRequestID(got) {
			t.Errorf("id %.20q… answered as %.20q", bad, got)
		}
	}
	var longest int
	a.store.EachAudit(context.Background(), store.AuditFilter{}, func(e models.AuditEntry) error {
		longest = max(longest, len(e.RequestID))
		return nil
	})
	if longest > maxRequestIDLength {
		t.Fatalf("an audit row holds a %d-byte request id", longest)
	}
}

// A person without an app (an admin added by someone) is led to enrol at
// the first sign-in: QR code and otpauth:// URI, a code, recovery codes
// shown once; then the code is asked at every sign-in, and each recovery
// code works once.
func TestSecondFactorEnrolmentAndSignIn(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	if p := admin.post("/users", url.Values{"name": {"Nadia Putri"}, "email": {"nadia@example.co.id"}, "role": {"finance"}, "password": {"kopi susu gula aren"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.Status, p.Body)
	}
	a.approvePending()
	b := a.browser()
	p := b.login("nadia@example.co.id", "kopi susu gula aren")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/account/two-factor") {
		t.Fatalf("first sign-in: %d %s", p.Status, p.Location)
	}
	if p := b.get("/disbursements"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/account/two-factor") {
		t.Fatalf("a password-only session reached a page: %d %s", p.Status, p.Location)
	}
	p = b.get("/account/two-factor?next=/disbursements")
	if src, _ := byTestID(t, p, "otp-qr").Attr("src"); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("no QR code image: %q", src)
	}
	if byTestID(t, p, "nav").Length() != 0 {
		t.Fatal("navigation shown before the second factor")
	}
	uri, err := url.Parse(byTestID(t, p, "otp-uri").Text())
	if err != nil || uri.Scheme != "otpauth" {
		t.Fatalf("otpauth URI %q: %v", byTestID(t, p, "otp-uri").Text(), err)
	}
	secret := uri.Query().Get("secret")
	if p := b.post("/account/two-factor", url.Values{"otp": {"000000"}, "next": {"/disbursements"}}); p.Status != http.StatusUnprocessableEntity || byTestID(t, p, "error-otp").Length() != 1 {
		t.Fatalf("wrong code: %d", p.Status)
	}
	code, _ := totp.GenerateCode(secret, a.clock.Now())
	p = b.post("/account/two-factor", url.Values{"otp": {code}, "next": {"/disbursements"}})
	codes := byTestID(t, p, "recovery-code")
	if p.Status != http.StatusOK || codes.Length() != auth.RecoveryCodeCount {
		t.Fatalf("enrol: %d, %d recovery codes", p.Status, codes.Length())
	}
	recovery := codes.First().Text()
	if href, _ := byTestID(t, p, "recovery-continue").Attr("href"); href != "/disbursements" {
		t.Fatalf("continue goes to %q", href)
	}
	if p := b.get("/disbursements"); p.Status != http.StatusOK {
		t.Fatalf("after enrolment: %d", p.Status)
	}
	var signedIn bool
	a.store.EachAudit(context.Background(), store.AuditFilter{Action: "login.ok", Actor: "nadia@example.co.id"}, func(models.AuditEntry) error {
		signedIn = true
		return nil
	})
	if !signedIn {
		t.Fatal("the sign-in completed by enrolment is not in the audit log under the person's email")
	}
	u, _ := a.store.UserByEmail(context.Background(), "nadia@example.co.id")
	if u.TOTPSecret == "" || strings.Contains(u.TOTPSecret, secret) {
		t.Fatal("the secret is not stored, or stored in the clear")
	}
	if strings.Contains(a.logs.String(), secret) {
		t.Fatal("the secret was logged")
	}
	if p := b.get("/account/two-factor"); p.Status != http.StatusSeeOther || p.Location != "/account" {
		t.Fatalf("the enrolment page shows again: %d %s", p.Status, p.Location)
	}

	// Next sign-in asks for the code; a recovery code works once.
	b2 := a.browser()
	if p := b2.login("nadia@example.co.id", "kopi susu gula aren"); !strings.HasPrefix(p.Location, "/login/otp") {
		t.Fatalf("second sign-in goes to %q", p.Location)
	} else {
		b2.get(p.Location) // the code page, with the new session's CSRF token
	}
	if p := b2.post("/login/otp", url.Values{"otp": {"123456"}}); p.Status != http.StatusUnprocessableEntity || byTestID(t, p, "otp-error").Length() != 1 {
		t.Fatalf("wrong code: %d", p.Status)
	}
	if p := b2.post("/login/otp", url.Values{"otp": {strings.ToUpper(recovery)}, "next": {"/balance"}}); p.Status != http.StatusSeeOther || p.Location != "/balance" {
		t.Fatalf("recovery code: %d %s", p.Status, p.Location)
	}
	b3 := a.browser()
	b3.get(b3.login("nadia@example.co.id", "kopi susu gula aren").Location)
	if p := b3.post("/login/otp", url.Values{"otp": {recovery}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a used recovery code worked again: %d", p.Status)
	}
	// Guessing codes is throttled like passwords.
	for range 5 {
		b3.post("/login/otp", url.Values{"otp": {"000000"}})
	}
	if p := b3.post("/login/otp", url.Values{"otp": {"000000"}}); p.Status != http.StatusTooManyRequests {
		t.Fatalf("code guessing not throttled: %d", p.Status)
	}

	// Another admin resets it; the person enrols again at the next sign-in.
	if p := admin.post("/users/"+itoa(u.ID)+"/two-factor/reset", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", p.Status, p.Body)
	}
	a.approvePending()
	if p := b.get("/disbursements"); p.Status != http.StatusSeeOther {
		t.Fatal("the reset did not end the person's sessions")
	}
	if p := a.browserFrom("127.0.0.9").login("nadia@example.co.id", "kopi susu gula aren"); !strings.HasPrefix(p.Location, "/account/two-factor") {
		t.Fatalf("after reset, sign-in goes to %q", p.Location)
	}
	// Nobody resets their own.
	self := itoa(a.users[models.RoleAdmin].ID)
	if p := admin.post("/users/"+self+"/two-factor/reset", nil); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("self reset: %d", p.Status)
	}
}

// A staff change or approval more than 5 minutes after the last code asks
// for a fresh one and carries the form through.
func TestStepUpBeforeStaffChanges(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	id := itoa(a.users[models.RoleAuditor].ID)
	a.clock.Advance(StepUpAge + time.Minute)
	p := admin.post("/users/"+id+"/role", url.Values{"role": {"finance"}})
	if p.Status != http.StatusUnauthorized || byTestID(t, p, "page-step-up").Length() != 1 {
		t.Fatalf("no step-up: %d", p.Status)
	}
	if v, _ := doc(t, p).Find(`[data-testid="step-up-form"] input[name="role"]`).Attr("value"); v != "finance" {
		t.Fatalf("the form was not carried: %q", v)
	}
	if u, _ := a.store.UserByID(context.Background(), a.users[models.RoleAuditor].ID); u.Role != models.RoleAuditor {
		t.Fatal("changed without the code")
	}
	if p := admin.post("/users/"+id+"/role", url.Values{"role": {"finance"}, "otp": {"999999"}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code: %d", p.Status)
	}
	if p := admin.post("/users/"+id+"/role", url.Values{"role": {"finance"}, "otp": {a.otp(models.RoleAdmin)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("with the code: %d %s", p.Status, p.Body)
	}
	a.approvePending()
	if u, _ := a.store.UserByID(context.Background(), a.users[models.RoleAuditor].ID); u.Role != models.RoleFinance {
		t.Fatal("the change did not go through")
	}
	// Within five minutes of that check no code is asked.
	a.clock.Advance(time.Minute)
	if p := admin.post("/users/"+id+"/role", url.Values{"role": {"auditor"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("asked again within 5 minutes: %d", p.Status)
	}
}

func TestOwnPasswordChange(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAuditor)
	if p := b.get("/account"); p.Status != http.StatusOK || byTestID(t, p, "account-password-form").Length() != 1 {
		t.Fatalf("account page: %d", p.Status)
	}
	p := b.post("/account/password", url.Values{"current_password": {"not it at all"}, "password": {"a brand new password"}, "password_confirm": {"a brand new password"}})
	if p.Status != http.StatusUnprocessableEntity || byTestID(t, p, "error-current_password").Length() != 1 {
		t.Fatalf("wrong current password: %d", p.Status)
	}
	p = b.post("/account/password", url.Values{"current_password": {testPassword}, "password": {"qwerty"}, "password_confirm": {"qwerty"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "error-password").Text(), auth.MsgCommon) {
		t.Fatalf("weak password: %d", p.Status)
	}
	p = b.post("/account/password", url.Values{"current_password": {testPassword}, "password": {"a brand new password"}, "password_confirm": {"a brand new password"}})
	if p.Status != http.StatusSeeOther || p.Location != "/login" {
		t.Fatalf("change: %d %s", p.Status, p.Location)
	}
	if p := a.browser().login("auditor@example.com", testPassword); p.Status != http.StatusUnauthorized {
		t.Fatalf("old password still works: %d", p.Status)
	}
	if p := a.browser().login("auditor@example.com", "a brand new password"); p.Status != http.StatusSeeOther {
		t.Fatalf("new password refused: %d", p.Status)
	}
}

// Approving money is guarded the same way.
func TestStepUpBeforeApprovingADisbursement(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	id := a.makeDisbursement(fin, "014", "0123456789", 25_000)
	a.clock.Advance(StepUpAge + time.Second)
	path := "/disbursements/" + itoa(id) + "/approve"
	if p := admin.post(path, approveForm()); p.Status != http.StatusUnauthorized || byTestID(t, p, "step-up-form").Length() != 1 {
		t.Fatalf("approval without a fresh code: %d", p.Status)
	}
	if d := a.disbursement(id); d.Status != models.DisbWaitingApproval {
		t.Fatalf("approved without the code: %s", d.Status)
	}
	if p := admin.post(path, url.Values{"otp": {a.otp(models.RoleAdmin)}, "confirm": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("approval with the code: %d %s", p.Status, p.Body)
	}
	if d := a.disbursement(id); d.Status == models.DisbWaitingApproval {
		t.Fatal("the approval with the code did not go through")
	}
}
