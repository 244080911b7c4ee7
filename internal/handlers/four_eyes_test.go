package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/internal/disbursements"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

const secondAdminEmail = "admin2@example.com"

// secondAdmin adds another enrolled admin the way `dashboard user add`
// does (once per app) and signs them in.
func (a *testApp) secondAdmin() *browser {
	a.t.Helper()
	if a.totp[secondAdminEmail] == "" {
		u := &models.User{Email: secondAdminEmail, Name: "Second Admin", Role: models.RoleAdmin, PasswordHash: testHash()}
		if err := a.store.CreateUser(context.Background(), u); err != nil {
			a.t.Fatal(err)
		}
		a.enrolTOTP(u)
	}
	return a.signedInAs(secondAdminEmail)
}

// pendingChanges lists the change requests still waiting.
func (a *testApp) pendingChanges() []models.ChangeRequest {
	a.t.Helper()
	page, err := a.store.ListChangeRequests(context.Background(), store.ChangeFilter{Status: models.ChangePending}, 100)
	if err != nil {
		a.t.Fatal(err)
	}
	return page.Items
}

// approvePending has a second admin approve every waiting change request
// through its page, as a person would.
func (a *testApp) approvePending() {
	a.t.Helper()
	rs := a.pendingChanges()
	if len(rs) == 0 {
		a.t.Fatal("no change request is waiting")
	}
	b := a.secondAdmin()
	for _, r := range rs {
		b.get("/change-requests/" + itoa(r.ID))
		if p := b.post("/change-requests/"+itoa(r.ID)+"/approve", nil); p.Status != http.StatusSeeOther {
			a.t.Fatalf("approve change request %d (%s): %d %s", r.ID, r.Summary, p.Status, errorsIn(p.Body))
		}
	}
}

func (a *testApp) user(email string) *models.User {
	a.t.Helper()
	u, err := a.store.UserByEmail(context.Background(), email)
	if err != nil {
		a.t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// Every staff change that can widen someone's power waits for a second
// admin: before the approval nothing has changed, after it the change is
// made and audited with both names.
func TestStaffChangesWaitForADifferentAdmin(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	auditor, finance := a.users[models.RoleAuditor], a.users[models.RoleFinance]
	disabled := &models.User{Email: "gone@example.com", Name: "Gone Person", Role: models.RoleFinance, PasswordHash: testHash(), Disabled: true}
	if err := a.store.CreateUser(context.Background(), disabled); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		form       url.Values
		kind       models.ChangeKind
		before     func() bool // true while the change is not made
	}{
		{"add finance", "/users", url.Values{"name": {"Siti Rahma"}, "email": {"siti@example.com"}, "role": {"finance"}, "password": {"a long enough password"}}, models.ChangeUserCreate,
			func() bool {
				_, err := a.store.UserByEmail(context.Background(), "siti@example.com")
				return err != nil
			}},
		{"add admin", "/users", url.Values{"name": {"Budi Santoso"}, "email": {"budi@example.com"}, "role": {"admin"}, "password": {"another long password"}}, models.ChangeUserCreate,
			func() bool {
				_, err := a.store.UserByEmail(context.Background(), "budi@example.com")
				return err != nil
			}},
		{"role", "/users/" + itoa(auditor.ID) + "/role", url.Values{"role": {"finance"}}, models.ChangeUserRole,
			func() bool { return a.user(auditor.Email).Role == models.RoleAuditor }},
		{"password", "/users/" + itoa(finance.ID) + "/password", url.Values{"password": {"a brand new password"}}, models.ChangeUserPassword,
			func() bool { return a.browser().login(finance.Email, testPassword).Status == http.StatusSeeOther }},
		{"second factor", "/users/" + itoa(finance.ID) + "/two-factor/reset", nil, models.ChangeUserSecondFactor,
			func() bool { return a.user(finance.Email).HasSecondFactor() }},
		{"enable", "/users/" + itoa(disabled.ID) + "/enable", nil, models.ChangeUserEnable,
			func() bool { return a.user(disabled.Email).Disabled }},
	}
	for _, c := range cases {
		if p := admin.post(c.path, c.form); p.Status != http.StatusSeeOther {
			t.Fatalf("%s: ask: %d %s", c.name, p.Status, errorsIn(p.Body))
		}
		pending := a.pendingChanges()
		if len(pending) != 1 || pending[0].Kind != c.kind {
			t.Fatalf("%s: pending = %+v", c.name, pending)
		}
		if !c.before() {
			t.Fatalf("%s: changed before a second admin approved", c.name)
		}
		id := itoa(pending[0].ID)
		// The admin who asked sees no approve button, and a forged approval is refused.
		if byTestID(t, admin.get("/change-requests/"+id), "change-approve").Length() != 0 {
			t.Fatalf("%s: the requester is offered the approval", c.name)
		}
		p := admin.post("/change-requests/"+id+"/approve", nil)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "change-error").Text(), "different admin") {
			t.Fatalf("%s: self-approval: %d", c.name, p.Status)
		}
		if !c.before() {
			t.Fatalf("%s: the requester approved their own change", c.name)
		}
		a.approvePending()
		if c.before() {
			t.Fatalf("%s: not applied after the second admin approved", c.name)
		}
		r, _ := a.store.ChangeRequestByID(context.Background(), pending[0].ID)
		if r.Status != models.ChangeApproved || r.DecidedByEmail != secondAdminEmail || r.PasswordHash != "" {
			t.Fatalf("%s: request after approval: %s by %q, hash kept %v", c.name, r.Status, r.DecidedByEmail, r.PasswordHash != "")
		}
	}
	acts := auditActions(t, a)
	if count(acts, "change.request") != len(cases) {
		t.Errorf("change.request entries: %d, want %d", count(acts, "change.request"), len(cases))
	}
	for _, k := range []models.ChangeKind{models.ChangeUserRole, models.ChangeUserPassword, models.ChangeUserSecondFactor, models.ChangeUserEnable} {
		if count(acts, string(k)) != 1 {
			t.Errorf("audit %s: %d entries", k, count(acts, string(k)))
		}
	}
	if count(acts, "user.create") != 2 {
		t.Errorf("audit user.create: %d entries", count(acts, "user.create"))
	}
	p := admin.get("/audit-log?action=user.role")
	if s := byTestID(t, p, "audit-row").Text(); !strings.Contains(s, "role Auditor → Finance") || !strings.Contains(s, "asked by admin@example.com, approved by "+secondAdminEmail) {
		t.Errorf("the audit entry lacks the change or the two names: %q", s)
	}
}

// An auditor, who approves nothing, is added at once; disabling takes
// access away, so it needs no second admin either.
func TestAddingAnAuditorAndDisablingNeedNoSecondAdmin(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	if p := admin.post("/users", url.Values{"name": {"Ana Audit"}, "email": {"ana@example.com"}, "role": {"auditor"}, "password": {"a long enough password"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add auditor: %d", p.Status)
	}
	u := a.user("ana@example.com")
	if p := admin.post("/users/"+itoa(u.ID)+"/disable", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", p.Status)
	}
	if !a.user("ana@example.com").Disabled || len(a.pendingChanges()) != 0 {
		t.Fatal("adding an auditor or disabling waited for approval")
	}
}

// Reject (another admin) and withdraw (the one who asked) close a request
// and change nothing; a second request for the same change waits its turn.
func TestChangeRequestsAreRejectedOrWithdrawn(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	other := a.secondAdmin()
	auditor := a.users[models.RoleAuditor]
	rolePath := "/users/" + itoa(auditor.ID) + "/role"
	if p := admin.post(rolePath, url.Values{"role": {"admin"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("ask: %d", p.Status)
	}
	p := admin.post(rolePath, url.Values{"role": {"finance"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "error-role").Text(), "already waiting") {
		t.Fatalf("second request for the same person: %d", p.Status)
	}
	id := itoa(a.pendingChanges()[0].ID)
	if byTestID(t, admin.get("/users/"+itoa(auditor.ID)), "pending-change").Length() != 1 {
		t.Error("the staff page does not show the waiting change")
	}
	if p := other.post("/change-requests/"+id+"/withdraw", nil); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("someone else withdrew it: %d", p.Status)
	}
	if p := other.post("/change-requests/"+id+"/reject", url.Values{"note": {"not agreed with the CFO"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("reject: %d %s", p.Status, errorsIn(p.Body))
	}
	if p := other.post("/change-requests/"+id+"/approve", nil); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("approved after rejection: %d", p.Status)
	}
	if a.user(auditor.Email).Role != models.RoleAuditor {
		t.Fatal("a rejected change was applied")
	}
	if p := admin.post(rolePath, url.Values{"role": {"finance"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("ask again after the rejection: %d", p.Status)
	}
	id = itoa(a.pendingChanges()[0].ID)
	if p := admin.post("/change-requests/"+id+"/withdraw", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", p.Status)
	}
	if got := byTestID(t, admin.get("/change-requests/"+id), "change-status").Find("[data-status]").AttrOr("data-status", ""); got != string(models.ChangeWithdrawn) {
		t.Fatalf("status after withdrawal: %q", got)
	}
	if a.user(auditor.Email).Role != models.RoleAuditor || len(a.pendingChanges()) != 0 {
		t.Fatal("a withdrawn change was applied or is still waiting")
	}
	acts := auditActions(t, a)
	if count(acts, "change.reject") != 1 || count(acts, "change.withdraw") != 1 || count(acts, "user.role") != 0 {
		t.Fatalf("audit: %v", acts)
	}
	// The list shows all three, and filters by status.
	list := admin.get("/change-requests?status=rejected")
	if rows := byTestID(t, list, "change-request-row"); rows.Length() != 1 || rows.AttrOr("data-status", "") != "rejected" {
		t.Fatalf("rejected filter: %d rows", rows.Length())
	}
	if n := byTestID(t, admin.get("/change-requests"), "change-request-row").Length(); n != 2 {
		t.Fatalf("list: %d rows, want 2", n)
	}
	// Auditors read the list and change nothing.
	aud := a.signedIn(models.RoleAuditor)
	if p := aud.get("/change-requests"); p.Status != http.StatusOK {
		t.Fatalf("auditor list: %d", p.Status)
	}
	if p := aud.post("/change-requests/"+id+"/approve", nil); p.Status != http.StatusForbidden {
		t.Fatalf("auditor approve: %d", p.Status)
	}
}

// An approval is checked against the person as they are now: a role that
// moved since the request is not overwritten.
func TestApprovalRefusesAChangeOverTakenByEvents(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	auditor := a.users[models.RoleAuditor]
	admin.post("/users/"+itoa(auditor.ID)+"/role", url.Values{"role": {"admin"}})
	role := models.RoleFinance
	if err := a.store.UpdateUser(context.Background(), auditor.ID, store.UserChange{Role: &role}, &models.AuditEntry{At: time.Now(), Action: "user.role"}); err != nil {
		t.Fatal(err)
	}
	other := a.secondAdmin()
	id := itoa(a.pendingChanges()[0].ID)
	p := other.post("/change-requests/"+id+"/approve", nil)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "change-error").Text(), "now Finance, not Auditor") {
		t.Fatalf("stale approval: %d %s", p.Status, errorsIn(p.Body))
	}
	if a.user(auditor.Email).Role != models.RoleFinance {
		t.Fatal("a stale request was applied")
	}
}

// Approving asks for a fresh code like any other approval.
func TestApprovingAChangeNeedsARecentCode(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	other := a.secondAdmin()
	admin.post("/users/"+itoa(a.users[models.RoleAuditor].ID)+"/role", url.Values{"role": {"finance"}})
	id := itoa(a.pendingChanges()[0].ID)
	a.clock.Advance(StepUpAge + time.Minute)
	if p := other.post("/change-requests/"+id+"/approve", nil); p.Status != http.StatusUnauthorized || byTestID(t, p, "page-step-up").Length() != 1 {
		t.Fatalf("no step-up: %d", p.Status)
	}
	if a.user("auditor@example.com").Role != models.RoleAuditor {
		t.Fatal("approved without the code")
	}
	if p := other.post("/change-requests/"+id+"/approve", url.Values{"otp": {a.otpOf(secondAdminEmail)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("with the code: %d", p.Status)
	}
	if a.user("auditor@example.com").Role != models.RoleFinance {
		t.Fatal("not applied with the code")
	}
}

// The two-approval threshold changes only when a second admin approves;
// the low-balance warning, which moves no money, changes at once.
func TestTwoApprovalThresholdChangesUnderFourEyes(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	ctx := context.Background()
	setting := func(key, def string) string {
		v, err := a.store.Setting(ctx, key, def)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	p := admin.post("/settings", url.Values{"low_balance": {"5.000.000"}, "dual_approval_above": {"1.000.000"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", p.Status, errorsIn(p.Body))
	}
	if got := setting(disbursements.SettingLowBalance, ""); got != "5000000" {
		t.Errorf("low-balance = %q, want it saved at once", got)
	}
	if got := setting(disbursements.SettingDualApproval, "unset"); got != "unset" {
		t.Fatalf("threshold = %q before any approval", got)
	}
	page := admin.get("/settings")
	if byTestID(t, page, "pending-change").Length() != 1 {
		t.Fatal("settings does not show the waiting threshold change")
	}
	p = admin.post("/settings", url.Values{"low_balance": {"5.000.000"}, "dual_approval_above": {"2.000.000"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "error-dual_approval_above").Text(), "already waiting") {
		t.Fatalf("second threshold request: %d", p.Status)
	}
	if v, _ := byTestID(t, p, "field-dual_approval_above").Find("input").Attr("value"); v != "2.000.000" {
		t.Errorf("typed value not kept: %q", v)
	}
	a.approvePending()
	if got := setting(disbursements.SettingDualApproval, "unset"); got != "1000000" {
		t.Fatalf("threshold = %q after approval", got)
	}
	if count(auditActions(t, a), string(models.ChangeDualApproval)) != 1 {
		t.Error("the applied threshold change is not audited")
	}
}

// With one admin the banner says four eyes are impossible; a second admin
// makes it go.
func TestSingleAdminBanner(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	if byTestID(t, admin.get("/"), "banner-single-admin").Length() != 1 {
		t.Fatal("no single-admin warning")
	}
	if byTestID(t, a.signedIn(models.RoleFinance).get("/"), "banner-single-admin").Length() != 0 {
		t.Error("finance sees the admin warning")
	}
	a.secondAdmin()
	if byTestID(t, admin.get("/"), "banner-single-admin").Length() != 0 {
		t.Fatal("the warning stays with two admins")
	}
}

// Two admins disabling each other at the same moment: one wins, the other
// is refused; there is always an active admin left. (Before, both checks
// read "2 admins" and both disables went through, about 1 try in 5.)
func TestTwoAdminsDisablingEachOtherLeaveAnAdmin(t *testing.T) {
	a := newTestApp(t)
	a.secondAdmin()
	one, two := a.users[models.RoleAdmin], a.user(secondAdminEmail)
	ctx := context.Background()
	enabled := false
	for try := range 25 {
		for _, u := range []*models.User{one, two} {
			if err := a.store.UpdateUser(ctx, u.ID, store.UserChange{Disabled: &enabled}, &models.AuditEntry{At: time.Now(), Action: "test.reset"}); err != nil {
				t.Fatal(err)
			}
		}
		b1, b2 := a.signedInAs(one.Email), a.signedInAs(two.Email)
		// The fresh sign-ins passed the code just now, so no step-up form intervenes.
		req := func(b *browser, target int64) *http.Request {
			form := url.Values{"_csrf": {b.csrf}}
			r, _ := http.NewRequest("POST", a.http.URL+"/users/"+strconv.FormatInt(target, 10)+"/disable", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}
		r1, r2 := req(b1, two.ID), req(b2, one.ID)
		var wg sync.WaitGroup
		codes, locations := make([]int, 2), make([]string, 2)
		start := make(chan struct{})
		for i, pair := range []struct {
			b *browser
			r *http.Request
		}{{b1, r1}, {b2, r2}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, err := pair.b.c.Do(pair.r)
				if err != nil {
					return
				}
				resp.Body.Close()
				codes[i], locations[i] = resp.StatusCode, resp.Header.Get("Location")
			}()
		}
		close(start)
		wg.Wait()
		n, err := a.store.CountActiveAdmins(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n < 1 {
			t.Fatalf("try %d: no active admin left (answers %v)", try, codes)
		}
		// One disable wins (303 to the person's page); the other is refused (422), or
		// arrived after its admin was signed out (303 to /login).
		if strings.HasPrefix(locations[0], "/users/") && strings.HasPrefix(locations[1], "/users/") {
			t.Fatalf("try %d: both disables succeeded", try)
		}
	}
}
