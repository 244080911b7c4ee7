package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"backoffice/internal/auth"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
)

// authAreas are the catalogue areas of sign-in, account, staff, settings
// and change requests.
var authAreas = []string{"auth.", "my_account.", "staff_page.", "settings_page.", "change_req.", "placeholder."}

// englishLeftOvers lists the English texts of those areas (the ones that
// differ in Indonesian and have no placeholder) found in what a person
// reads on p: a text left untranslated on an Indonesian page.
func englishLeftOvers(t *testing.T, p page) []string {
	t.Helper()
	d := doc(t, p)
	d.Find("script, style, title").Remove()
	// Each text node on its own line, so neighbouring elements do not run together.
	var sb strings.Builder
	body := d.Find("body")
	body.Find("*").AddSelection(body).Contents().Each(func(_ int, n *goquery.Selection) {
		if goquery.NodeName(n) == "#text" {
			sb.WriteString(n.Text() + "\n")
		}
	})
	text := sb.String()
	var out []string
	for _, k := range i18n.Keys(i18n.EN) {
		in := false
		for _, a := range authAreas {
			in = in || strings.HasPrefix(k, a)
		}
		en := i18n.In(i18n.EN, k)
		if !in || strings.Contains(en, "{{") || en == i18n.In(i18n.ID, k) || len(en) < 8 {
			continue
		}
		// As a whole phrase: "Password" inside "1Password" is a product name.
		if regexp.MustCompile(`(^|[^\pL\pN])` + regexp.QuoteMeta(en) + `($|[^\pL\pN])`).MatchString(text) {
			out = append(out, en)
		}
	}
	return out
}

func toIndonesian(t *testing.T, b *browser) {
	t.Helper()
	if p := b.post("/language", url.Values{"lang": {"id"}, "return": {"/"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("language toggle: %d", p.Status)
	}
}

// TestAuthAreaSpeaksIndonesian walks sign-in, the code page, the account,
// staff, settings and change-request pages in Bahasa Indonesia: headings,
// labels, badges, 422 errors beside fields, flashes and a refusal come out
// in Indonesian, and no English sentence of these pages is left.
func TestAuthAreaSpeaksIndonesian(t *testing.T) {
	a := newTestApp(t)
	id := func(key string, args ...any) string { return i18n.In(i18n.ID, key, args...) }
	text := func(p page, testID string) string {
		t.Helper()
		return strings.TrimSpace(byTestID(t, p, testID).Text())
	}
	heading := func(p page) string { return strings.TrimSpace(doc(t, p).Find("main h1, h1").First().Text()) }
	clean := func(path string, p page) {
		t.Helper()
		if left := englishLeftOvers(t, p); len(left) > 0 {
			t.Errorf("%s in Indonesian still says, in English: %q", path, left)
		}
	}

	// Signing in, chosen before sign-in in this browser.
	guest := a.browser()
	guest.get("/login")
	toIndonesian(t, guest)
	p := guest.get("/login")
	if heading(p) != id("auth.sign_in") || htmlLang(t, p.Body) != "id" {
		t.Fatalf("sign-in page: <h1>%q lang=%q", heading(p), htmlLang(t, p.Body))
	}
	clean("/login", p)
	p = guest.post("/login", url.Values{"email": {""}, "password": {""}})
	if p.Status != http.StatusUnprocessableEntity || text(p, "login-error") != id("auth.enter_email_password") {
		t.Fatalf("empty sign-in: %d %q", p.Status, text(p, "login-error"))
	}
	p = guest.post("/login", url.Values{"email": {"finance@example.com"}, "password": {"not the password at all"}})
	if p.Status != http.StatusUnauthorized || text(p, "login-error") != id("auth.bad_login") {
		t.Fatalf("wrong password: %d %q", p.Status, text(p, "login-error"))
	}
	// The right password, then a wrong code: the code page in Indonesian.
	fin := a.browser()
	fin.get("/login")
	toIndonesian(t, fin)
	if p := fin.post("/login", url.Values{"email": {"finance@example.com"}, "password": {testPassword}}); p.Status != http.StatusSeeOther {
		t.Fatalf("finance sign-in: %d", p.Status)
	}
	p = fin.get("/login/otp")
	if heading(p) != id("auth.otp_title") || !strings.Contains(p.Body, id("auth.otp_sub", "Email", "finance@example.com")) {
		t.Fatalf("code page: <h1>%q", heading(p))
	}
	clean("/login/otp", p)
	p = fin.post("/login/otp", url.Values{"otp": {"000000"}, "next": {"/"}})
	if p.Status != http.StatusUnprocessableEntity || text(p, "otp-error") != id("auth.bad_code") {
		t.Fatalf("wrong code: %d %q", p.Status, text(p, "otp-error"))
	}

	admin := a.signedIn(models.RoleAdmin)
	toIndonesian(t, admin)

	// The same pages stay English for someone who did not choose, and
	// there the look-out for English finds what it looks for.
	p = a.signedIn(models.RoleAuditor).get("/users") // before the auditor chooses Indonesian below
	if heading(p) != "Staff" {
		t.Errorf("an English reader's staff page says %q", heading(p))
	}
	if left := englishLeftOvers(t, p); len(left) < 3 {
		t.Errorf("the English staff page shows only %q of this area's English texts", left)
	}

	// Account: a 422 beside the field.
	p = admin.get("/account")
	if heading(p) != id("my_account.title") {
		t.Errorf("account: <h1>%q", heading(p))
	}
	clean("/account", p)
	p = admin.post("/account/password", url.Values{"current_password": {testPassword}, "password": {"kata sandi yang panjang sekali"}, "password_confirm": {"lain"}})
	if p.Status != http.StatusUnprocessableEntity || text(p, "error-password_confirm") != id("my_account.password_mismatch") {
		t.Fatalf("password mismatch: %d %q", p.Status, text(p, "error-password_confirm"))
	}

	// Staff: list, badges, the new-person form's errors and the flash.
	p = admin.get("/users")
	table := byTestID(t, p, "users-table")
	if heading(p) != id("staff_page.title") || !strings.Contains(table.Find("thead").Text(), id("staff_page.col_role")) ||
		!strings.Contains(table.Text(), id("role.finance")) || !strings.Contains(table.Text(), id("staff_page.active")) {
		t.Fatalf("staff list in Indonesian: <h1>%q table %q", heading(p), table.Text())
	}
	clean("/users", p)
	p = admin.get("/users/new")
	clean("/users/new", p)
	p = admin.post("/users", url.Values{"name": {"Siti Rahma"}, "email": {"bukan-email"}, "role": {"finance"}, "password": {"pendek"}})
	if p.Status != http.StatusUnprocessableEntity || text(p, "error-email") != id("staff_page.email_bad") ||
		!strings.Contains(text(p, "error-password"), id("auth.pw_too_short", "Min", auth.MinPasswordLength)) {
		t.Fatalf("new person, bad input: %d email %q password %q", p.Status, text(p, "error-email"), text(p, "error-password"))
	}
	if v, _ := byTestID(t, p, "field-email").Find("input").Attr("value"); v != "bukan-email" {
		t.Errorf("the typed email was not kept: %q", v)
	}
	clean("POST /users", p)
	p = admin.post("/users", url.Values{"name": {"Siti Rahma"}, "email": {"siti@example.com"}, "role": {"finance"}, "password": {"kata sandi yang panjang!"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("new person: %d", p.Status)
	}
	p = admin.get("/users")
	if want := id("staff_page.add_asked", "Name", "Siti Rahma", "Role", id("role.finance")); text(p, "flash") != want {
		t.Fatalf("flash %q, want %q", text(p, "flash"), want)
	}
	fu := a.users[models.RoleFinance]
	p = admin.get("/users/" + itoa(fu.ID))
	if text(p, "user-2fa-status") != id("staff_page.on") {
		t.Errorf("second-factor badge: %q", text(p, "user-2fa-status"))
	}
	clean("/users/:id", p)

	// Change requests: list, filters, a refusal from the rules.
	p = admin.get("/change-requests")
	row := byTestID(t, p, "change-request-row").First()
	if heading(p) != id("change_req.title") || !strings.Contains(row.Text(), id("change_req.status_pending")) ||
		!strings.Contains(row.Text(), id("change_req.kind_user_create")) {
		t.Fatalf("change requests: <h1>%q row %q", heading(p), row.Text())
	}
	clean("/change-requests", p)
	p = admin.get("/change-requests?status=lost")
	if p.Status != http.StatusUnprocessableEntity || text(p, "error-status") != id("change_req.wrong_status") {
		t.Fatalf("bad status filter: %d %q", p.Status, text(p, "error-status"))
	}
	rs := a.pendingChanges()
	if len(rs) != 1 {
		t.Fatalf("%d change requests waiting, want 1", len(rs))
	}
	p = admin.get("/change-requests/" + itoa(rs[0].ID))
	if text(p, "change-why-not") != id("change_req.refuse_own_approve") {
		t.Errorf("the asker is told, in Indonesian, why they cannot approve: %q", text(p, "change-why-not"))
	}
	clean("/change-requests/:id", p)
	second := a.secondAdmin()
	toIndonesian(t, second)
	second.get("/change-requests/" + itoa(rs[0].ID))
	p = second.post("/change-requests/"+itoa(rs[0].ID)+"/reject", url.Values{"note": {strings.Repeat("x", 201)}, "otp": {a.otpOf(secondAdminEmail)}})
	if p.Status != http.StatusUnprocessableEntity || text(p, "error-note") != id("change_req.note_too_long", "Max", 200) {
		t.Fatalf("over-long note: %d %q", p.Status, text(p, "error-note"))
	}

	// Settings: the endpoints named in Indonesian, a 422 beside a threshold.
	p = admin.get("/settings")
	if heading(p) != id("settings_page.title") || !strings.Contains(p.Body, id("settings_page.callback_oy_disbursement")) {
		t.Fatalf("settings: <h1>%q", heading(p))
	}
	clean("/settings", p)
	p = admin.post("/settings", url.Values{"low_balance": {"sepuluh juta"}, "dual_approval_above": {"0"}})
	if p.Status != http.StatusUnprocessableEntity || text(p, "error-low_balance") != id("settings_page.bad_low_balance") {
		t.Fatalf("bad threshold: %d %q", p.Status, text(p, "error-low_balance"))
	}
	if v, _ := byTestID(t, p, "field-low_balance").Find("input").Attr("value"); v != "sepuluh juta" {
		t.Errorf("the typed threshold was not kept: %q", v)
	}

	// Setting up an authenticator app (an auditor may, and has none yet).
	aud := a.signedIn(models.RoleAuditor)
	toIndonesian(t, aud)
	p = aud.get("/account/two-factor")
	if alt, _ := byTestID(t, p, "otp-qr").Attr("alt"); heading(p) != id("my_account.enrol_title") || alt != id("my_account.qr_alt") {
		t.Fatalf("enrolment: <h1>%q alt %q", heading(p), alt)
	}
	clean("/account/two-factor", p)
	p = aud.post("/account/two-factor", url.Values{"otp": {""}})
	if p.Status != http.StatusUnprocessableEntity || text(p, "error-otp") != id("my_account.enrol_code_missing") {
		t.Fatalf("enrolment without a code: %d %q", p.Status, text(p, "error-otp"))
	}

	// A staff change after the second-factor check has aged asks again, in Indonesian.
	a.clock.Advance(StepUpAge + time.Minute)
	p = admin.post("/users/"+itoa(fu.ID)+"/unlock", nil)
	if p.Status != http.StatusUnauthorized || heading(p) != id("my_account.step_up_title") ||
		!strings.Contains(doc(t, p).Find(".panel p").First().Text(), id("my_account.step_up_what")) {
		t.Fatalf("step-up: %d <h1>%q", p.Status, heading(p))
	}
	clean("step-up", p)
	p = admin.post("/users/"+itoa(fu.ID)+"/unlock", url.Values{"otp": {a.otp(models.RoleAdmin)}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("unlock with a fresh code: %d", p.Status)
	}
	if p = admin.get(p.Location); text(p, "flash") != id("staff_page.unlocked", "Name", fu.Name) {
		t.Errorf("unlock flash %q", text(p, "flash"))
	}

}
