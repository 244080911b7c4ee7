//go:build browser

package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// navItem is one link of the side navigation as a person sees it.
type navItem struct{ Label, Path string }

// The navigation each role sees, from the route table in
// internal/handlers/routes.go (routes with a Nav label whose Roles include
// the role), in table order.
var (
	navEveryone = []navItem{
		{"Overview", "/"},
		{"OVO accounts", "/ovo-accounts"},
		{"OVO top-ups", "/ovo-topups"},
		{"Balance", "/balance"},
		{"Disbursements", "/disbursements"},
		{"Virtual accounts", "/virtual-accounts"},
		{"Payment links", "/payment-links"},
		{"Invoices", "/invoices"},
		{"Callback log", "/callback-log"},
	}
	navAdminAuditor = append(slices.Clone(navEveryone),
		navItem{"Audit log", "/audit-log"},
		navItem{"Staff", "/users"},
		navItem{"Settings", "/settings"},
		navItem{"Change requests", "/change-requests"},
	)
	navFor = map[string][]navItem{
		"admin":   navAdminAuditor,
		"auditor": navAdminAuditor,
		"finance": navEveryone,
	}
)

// nav reads the visible links of the navigation.
func (p *tab) nav() []navItem {
	p.t.Helper()
	p.waitVisible(`[data-testid=nav]`)
	js := `Array.from(document.querySelectorAll('[data-testid=nav] a'))
		.filter(a => a.offsetParent !== null)
		.map(a => [a.innerText.trim(), a.getAttribute('href')])`
	pairs := get(p, "read the navigation", chromedp.Evaluate[[][]string](js))
	out := make([]navItem, len(pairs))
	for i, pr := range pairs {
		out[i] = navItem{pr[0], pr[1]}
	}
	return out
}

// TestSignInAndOutPerRole: a stranger is sent to the login page, signs in,
// sees exactly their role's navigation and name, and signs out again.
func TestSignInAndOutPerRole(t *testing.T) {
	for _, a := range roles {
		t.Run(a.Role, func(t *testing.T) {
			p := newBrowser(t, testContext(t))

			p.open("/")
			p.waitVisible(`[data-testid=page-login]`)
			if got := p.location().Path; got != "/login" {
				t.Fatalf("/ as a stranger ends at %s, want /login", got)
			}
			if got := p.text(`[data-testid=flash]`); got != "Please sign in to continue." {
				t.Errorf("flash on the login page = %q, want %q", got, "Please sign in to continue.")
			}
			if n := p.count(`[data-testid=nav]`); n != 0 {
				t.Errorf("the login page shows the navigation to a stranger")
			}
			if a.Role == "admin" {
				p.screenshot("01-login")
			}

			p.signIn(a)
			if got, want := p.nav(), navFor[a.Role]; !slices.Equal(got, want) {
				t.Errorf("navigation of %s:\n got  %v\n want %v", a.Role, got, want)
			}
			who := p.text(`[data-testid=who]`)
			if !strings.Contains(who, a.Name) || !strings.Contains(who, a.RoleLabel) {
				t.Errorf("topbar shows %q, want the name %q and the role %q", who, a.Name, a.RoleLabel)
			}
			if a.Role == "admin" {
				p.screenshot("02-overview-admin")
			}

			resp := p.click(`[data-testid=logout]`)
			if resp.Status != 200 {
				t.Errorf("signing out ends with status %d, want 200", resp.Status)
			}
			p.waitVisible(`[data-testid=page-login]`)
			if got := p.location().Path; got != "/login" {
				t.Errorf("after signing out the browser is at %s, want /login", got)
			}
			if got := p.text(`[data-testid=flash]`); got != "You are signed out." {
				t.Errorf("flash after signing out = %q, want %q", got, "You are signed out.")
			}
			if n := p.count(`[data-testid=who]`); n != 0 {
				t.Errorf("the topbar still shows who is signed in after signing out")
			}

			p.open("/")
			p.waitVisible(`[data-testid=page-login]`)
			if got := p.location().Path; got != "/login" {
				t.Errorf("/ after signing out ends at %s, want /login", got)
			}
		})
	}
}

// TestWrongPassword: the error is shown and the email typed is kept.
func TestWrongPassword(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.open("/login")
	p.waitVisible(`[data-testid=page-login]`)
	p.typeInto(`[data-testid=field-email] input`, finance.Email)
	p.typeInto(`[data-testid=field-password] input`, "not-the-right-password")
	resp := p.click(`[data-testid=login-submit]`)
	if resp.Status != 401 {
		t.Errorf("a wrong password answers %d, want 401", resp.Status)
	}
	p.waitVisible(`[data-testid=page-login]`)
	if got, want := p.text(`[data-testid=login-error]`), "The email or password is not right."; got != want {
		t.Errorf("login error = %q, want %q", got, want)
	}
	if got := p.value(`[data-testid=field-email] input`); got != finance.Email {
		t.Errorf("email field holds %q after the failed sign-in, want %q", got, finance.Email)
	}
	if got := p.value(`[data-testid=field-password] input`); got != "" {
		t.Errorf("password field holds %q after the failed sign-in, want it empty", got)
	}
	if n := p.count(`[data-testid=nav]`); n != 0 {
		t.Errorf("the navigation is shown after a failed sign-in")
	}
}

// TestAdminAddsStaffMember: the form shows each error beside its field and
// keeps what was typed; the corrected form adds the person, who can sign in.
func TestAdminAddsStaffMember(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(admin)

	p.click(`[data-testid="nav-/users"]`)
	p.waitVisible(`[data-testid=page-users]`)
	p.screenshot("03-staff-list")
	p.click(`[data-testid=add-user]`)
	p.waitVisible(`[data-testid=page-user-new]`)

	newbie := account{"nadia.new@example.com", "Nadia Newcomer", "finance", "Finance", "kopi-susu-gula-aren-1"}
	const (
		name     = `[data-testid=field-name] input`
		email    = `[data-testid=field-email] input`
		role     = `[data-testid=field-role] select`
		password = `[data-testid=field-password] input`
	)
	p.typeInto(name, newbie.Name)
	p.typeInto(email, "not-an-email")
	p.choose(role, "Finance", "finance")
	p.typeInto(password, "sh0rt-kp")
	resp := p.click(`[data-testid=user-create]`)
	if resp.Status != 422 {
		t.Errorf("the invalid form answers %d, want 422", resp.Status)
	}
	p.waitVisible(`[data-testid=page-user-new]`)
	if got, want := p.text(`[data-testid=field-email] [data-testid=error-email]`), "Enter an address like name@company.co.id."; got != want {
		t.Errorf("email error = %q, want %q", got, want)
	}
	if got, want := p.text(`[data-testid=field-password] [data-testid=error-password]`), "Use at least 12 characters."; got != want {
		t.Errorf("password error = %q, want %q", got, want)
	}
	for _, f := range []string{"name", "role"} {
		if n := p.count(`[data-testid=error-` + f + `]`); n != 0 {
			t.Errorf("the %s field shows an error although it was right", f)
		}
	}
	if got := p.value(name); got != newbie.Name {
		t.Errorf("name field holds %q after the errors, want %q", got, newbie.Name)
	}
	if got := p.value(email); got != "not-an-email" {
		t.Errorf("email field holds %q after the errors, want what was typed", got)
	}
	if got := p.value(role); got != "finance" {
		t.Errorf("role holds %q after the errors, want finance", got)
	}
	if got := p.value(password); got != "" {
		t.Errorf("password field is refilled with %q; a password must not be sent back", got)
	}
	p.screenshot("04-add-staff-errors")

	p.clearField(email)
	p.typeInto(email, newbie.Email)
	p.typeInto(password, newbie.Password)
	resp = p.click(`[data-testid=user-create]`)
	if resp.Status != 200 {
		t.Errorf("adding the person ends with status %d, want 200", resp.Status)
	}
	p.waitVisible(`[data-testid=page-users]`)
	if got := p.location().Path; got != "/users" {
		t.Errorf("after adding the person the browser is at %s, want /users", got)
	}
	// Finance can approve money, so the person is added only when a different admin approves.
	if got, want := p.text(`[data-testid=flash]`), "Adding "+newbie.Name+" as Finance now waits for a different admin to approve it."; got != want {
		t.Errorf("flash = %q, want %q", got, want)
	}
	if got := p.text(`[data-testid=pending-changes]`); !strings.Contains(got, newbie.Email) {
		t.Errorf("the staff page does not show the waiting addition: %q", got)
	}
	p.screenshot("40-staff-waiting-for-second-admin")
	p.click(`[data-testid=pending-change] a`)
	p.waitVisible(`[data-testid=page-change-request]`)
	if n := p.count(`[data-testid=change-approve]`); n != 0 {
		t.Errorf("the admin who asked is offered the approval")
	}
	if got, want := p.text(`[data-testid=change-why-not]`), "You asked for this change, so a different admin must approve it."; got != want {
		t.Errorf("why-not = %q, want %q", got, want)
	}

	// The second admin approves it from the change-request list.
	r := p.freshContext()
	r.openAndSignIn(admin2)
	r.click(`[data-testid="nav-/change-requests"]`)
	r.waitVisible(`[data-testid=page-change-requests]`)
	r.screenshot("41-change-requests")
	r.open("/change-requests?status=pending&kind=user.create")
	r.waitVisible(`[data-testid=change-requests-table]`)
	found := false
	for _, row := range r.visibleTexts(`[data-testid=change-request-row]`) {
		found = found || strings.Contains(row, newbie.Email)
	}
	if !found {
		t.Fatalf("the second admin does not see the waiting addition of %s", newbie.Email)
	}
	r.click(`[data-testid=change-request-row] [data-testid=change-request-link]`)
	r.waitVisible(`[data-testid=page-change-request]`)
	r.screenshot("42-change-request-to-approve")
	if resp := r.click(`[data-testid=change-approve]`); resp.Status != 200 {
		t.Errorf("approving answers %d, want 200 after the redirect", resp.Status)
	}
	r.waitVisible(`[data-testid=change-status]`)
	if got := r.text(`[data-testid=change-status]`); got != "Approved and applied" {
		t.Errorf("status after approval = %q", got)
	}
	if got := r.text(`[data-testid=change-decided-by]`); got != admin2.Email {
		t.Errorf("decided by %q, want %s", got, admin2.Email)
	}

	p.open("/users")
	p.waitVisible(`[data-testid=page-users]`)
	rows := p.visibleTexts(`[data-testid=users-table] [data-testid=user-row]`)
	found = false
	for _, r := range rows {
		if strings.Contains(r, newbie.Name) && strings.Contains(r, newbie.Email) && strings.Contains(r, "Finance") && strings.Contains(r, "Active") {
			found = true
		}
	}
	if !found {
		t.Errorf("the staff table has no active Finance row for %s <%s>:\n%s", newbie.Name, newbie.Email, strings.Join(rows, "\n"))
	}

	// The new person signs in, in a browser context with none of the admin's cookies.
	q := p.freshContext()
	q.openAndSignIn(newbie)
	if who := q.text(`[data-testid=who]`); !strings.Contains(who, newbie.Name) || !strings.Contains(who, "Finance") {
		t.Errorf("the new person's topbar shows %q", who)
	}
	if got, want := q.nav(), navFor["finance"]; !slices.Equal(got, want) {
		t.Errorf("navigation of the new finance person:\n got  %v\n want %v", got, want)
	}
}

// TestFinanceForbiddenStaffPage: typing /users as finance shows the 403
// page inside the layout, with the navigation still there.
func TestFinanceForbiddenStaffPage(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(finance)

	resp := p.open("/users")
	if resp.Status != 403 {
		t.Errorf("/users as finance answers %d, want 403", resp.Status)
	}
	p.waitVisible(`[data-testid=page-error-403]`)
	if got := p.text(`[data-testid=page-error-403] h1`); got != "Not allowed" {
		t.Errorf("403 heading = %q, want %q", got, "Not allowed")
	}
	if got, want := p.nav(), navFor["finance"]; !slices.Equal(got, want) {
		t.Errorf("navigation on the 403 page:\n got  %v\n want %v", got, want)
	}
	if who := p.text(`[data-testid=who]`); !strings.Contains(who, finance.Name) {
		t.Errorf("topbar on the 403 page shows %q, want %q", who, finance.Name)
	}
	if n := p.count(`[data-testid=page-users]`); n != 0 {
		t.Errorf("the staff list is rendered to finance")
	}
	p.screenshot("06-forbidden-403")
}

// TestAuditorFiltersSignIns: the audit log, filtered by login.ok through
// the form, lists the sign-ins of the tests before it (and the auditor's own).
func TestAuditorFiltersSignIns(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(auditor)

	p.click(`[data-testid="nav-/audit-log"]`)
	p.waitVisible(`[data-testid=page-audit-log]`)
	const action = `[data-testid=field-action] select`
	p.choose(action, "login.ok", "login.ok")
	resp := p.click(`[data-testid=audit-filters] button[type=submit]`)
	if resp.Status != 200 {
		t.Errorf("filtering answers %d, want 200", resp.Status)
	}
	p.waitVisible(`[data-testid=audit-table]`)
	if got := p.location().Query().Get("action"); got != "login.ok" {
		t.Errorf("the filter URL has action=%q, want login.ok", got)
	}
	if got := p.value(action); got != "login.ok" {
		t.Errorf("the action filter shows %q after filtering, want login.ok", got)
	}

	// Columns: Time, Who, Action, Record, Before → after, IP.
	js := `Array.from(document.querySelectorAll('[data-testid=audit-row]'))
		.map(r => Array.from(r.cells).map(c => c.innerText.trim()))`
	rows := get(p, "read the audit rows", chromedp.Evaluate[[][]string](js))
	if len(rows) == 0 {
		t.Fatal("no audit rows after filtering by login.ok")
	}
	who := map[string]bool{}
	for _, r := range rows {
		if len(r) < 6 {
			t.Fatalf("audit row has %d cells, want 6: %q", len(r), r)
		}
		if r[2] != "login.ok" {
			t.Errorf("filtered by login.ok, the log shows a %q row: %q", r[2], r)
		}
		if r[0] == "" || r[0] == "—" {
			t.Errorf("audit row without a time: %q", r)
		}
		who[r[1]] = true
	}
	want := signedInEmails()
	slices.Sort(want)
	for _, e := range want {
		if !who[e] {
			t.Errorf("no login.ok entry for %s, who signed in during these tests", e)
		}
	}
	t.Logf("%d login.ok rows for %d people who signed in", len(rows), len(want))
	p.screenshot("05-audit-log")
}
