package handlers

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	oysb "backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/store"
)

// vaForm is a valid create form; tests change one field at a time.
func vaForm(key string, kv ...string) url.Values {
	f := url.Values{"key": {key}, "partner_user_id": {"cust-001"}, "bank_code": {"002"}, "amount": {"150.000"},
		"is_single_use": {"true"}, "expiration_time": {"60"}, "username_display": {"Toko Maju"}, "email": {"siti@example.co.id"}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			f.Del(kv[i])
			continue
		}
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// formKey is the idempotency key of a freshly drawn create form.
func formKey(t *testing.T, b *browser) string {
	t.Helper()
	p := b.get("/virtual-accounts/new")
	if p.Status != http.StatusOK {
		t.Fatalf("new VA form: %d", p.Status)
	}
	k, ok := doc(t, p).Find(`input[name="key"]`).Attr("value")
	if !ok || len(k) < 16 {
		t.Fatalf("form has no key: %q", k)
	}
	return k
}

func (a *testApp) vaCount() int64 {
	a.t.Helper()
	t, err := a.store.VATotals(context.Background(), store.VAFilter{})
	if err != nil {
		a.t.Fatal(err)
	}
	return t.Count
}

// oyDirect is the merchant's own system calling the sandbox, outside the dashboard.
func (a *testApp) oyDirect() *oy.Client {
	return oy.New(oy.Config{BaseURL: a.oyHTTP.URL, Username: a.cfg.OY.Username, APIKey: a.cfg.OY.APIKey})
}

// createVA posts a valid form and returns the new VA.
func (a *testApp) createVA(b *browser, kv ...string) *models.VirtualAccount {
	a.t.Helper()
	p := b.post("/virtual-accounts", vaForm(formKey(a.t, b), kv...))
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/virtual-accounts/") {
		a.t.Fatalf("create VA: %d %q %s", p.Status, p.Location, p.Body)
	}
	id, err := parseID(strings.TrimPrefix(p.Location, "/virtual-accounts/"))
	if err != nil {
		a.t.Fatal(err)
	}
	v, err := a.store.VirtualAccountByID(context.Background(), id)
	if err != nil {
		a.t.Fatal(err)
	}
	return v
}

func parseID(s string) (int64, error) {
	var n int64
	_, err := fmt.Sscan(s, &n)
	return n, err
}

// waitVA drains callbacks until the VA satisfies ok, or fails after 5 s.
func (a *testApp) waitVA(id int64, ok func(*models.VirtualAccount) bool) *models.VirtualAccount {
	a.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a.drain()
		v, err := a.store.VirtualAccountByID(context.Background(), id)
		if err != nil {
			a.t.Fatal(err)
		}
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("VA %d never reached the expected state: %+v", id, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestVACreateFormRules(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	cases := []struct {
		name  string
		kv    []string
		field string
	}{
		{"closed VA without amount", []string{"amount", ""}, "amount"},
		{"amount with decimals", []string{"amount", "150000,50"}, "amount"},
		{"amount with a decimal point", []string{"amount", "150000.5"}, "amount"},
		{"closed amount below the minimum", []string{"amount", "5000"}, "amount"},
		{"lifetime and expiration", []string{"is_lifetime", "true"}, "expiration_time"},
		{"expiration not minutes", []string{"expiration_time", "1.5"}, "expiration_time"},
		{"bad email", []string{"email", "siti@"}, "email"},
		{"bank without VAs", []string{"bank_code", "003"}, "bank_code"},
		{"no customer id", []string{"partner_user_id", ""}, "partner_user_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := vaForm(formKey(t, b), c.kv...)
			p := b.post("/virtual-accounts", f)
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", p.Status)
			}
			d := doc(t, p)
			if msg := strings.TrimSpace(d.Find(testid("error-" + c.field)).Text()); msg == "" || !strings.HasSuffix(msg, ".") {
				t.Fatalf("no sentence beside %s: %q", c.field, msg)
			}
			for _, name := range []string{"partner_user_id", "amount", "expiration_time", "email"} {
				if got, _ := d.Find(`input[name="` + name + `"]`).Attr("value"); got != f.Get(name) {
					t.Errorf("%s not kept: %q, typed %q", name, got, f.Get(name))
				}
			}
		})
	}
	// An open VA needs no amount; both it and the closed rules pass OY's
	// own check in the sandbox.
	if n := a.vaCount(); n != 0 {
		t.Fatalf("%d VAs stored after bad forms", n)
	}
	if l, err := a.oyDirect().ListVAs(context.Background(), nil); err != nil || l.Total != 0 {
		t.Fatalf("OY got a create from a bad form: %+v %v", l, err)
	}
}

func TestVACreateShowsNumberOnceForADoubleSubmit(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	key := formKey(t, b)
	first := b.post("/virtual-accounts", vaForm(key))
	if first.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", first.Status, first.Body)
	}
	second := b.post("/virtual-accounts", vaForm(key))
	if second.Status != http.StatusSeeOther || second.Location != first.Location {
		t.Fatalf("double submit went to %d %q, first to %q", second.Status, second.Location, first.Location)
	}
	if l, err := a.oyDirect().ListVAs(context.Background(), nil); err != nil || l.Total != 1 {
		t.Fatalf("OY holds %+v (%v), want one VA", l, err)
	}
	if n := a.vaCount(); n != 1 {
		t.Fatalf("%d VAs stored", n)
	}
	p := b.get(first.Location)
	d := doc(t, p)
	v := a.waitVA(1, func(*models.VirtualAccount) bool { return true })
	if got := strings.TrimSpace(d.Find(testid("va-number-copy") + " code").Text()); got == "" || got != v.VANumber {
		t.Fatalf("VA number shown %q, stored %q", got, v.VANumber)
	}
	if _, ok := d.Find(testid("va-number-copy") + " button").Attr("data-copy"); !ok {
		t.Fatal("no copy button")
	}
	if src, _ := d.Find(testid("va-qr")).Attr("src"); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("QR is %q", src)
	}
	if st, _ := d.Find(testid("status") + " " + testid("badge")).Attr("data-status"); st != "WAITING_PAYMENT" {
		t.Fatalf("status %q", st)
	}
	if got := strings.TrimSpace(d.Find(testid("va-amount")).Text()); got != "Rp 150.000" {
		t.Fatalf("amount %q", got)
	}
	if exp := d.Find(testid("va-expires") + " time").Text(); !strings.Contains(exp, "WIB") {
		t.Fatalf("expiry %q not in WIB", exp)
	}
	if d.Find(testid("va-checked")+" time").Length() != 1 {
		t.Fatal("the time OY was read is not shown")
	}
	if v.CreatedByEmail != "admin@example.com" || v.Source != "dashboard" || v.Email != "siti@example.co.id" {
		t.Fatalf("stored %+v", v)
	}
	audit, err := a.store.ListAudit(context.Background(), store.AuditFilter{Action: "va.create"}, 10)
	if err != nil || len(audit.Items) != 1 || audit.Items[0].ObjectID != itoa(v.ID) || !strings.Contains(audit.Items[0].Summary, v.VANumber) {
		t.Fatalf("audit %+v %v", audit.Items, err)
	}
}

func TestVACreateOYRefusalsAreSentences(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	a.createVA(b, "partner_user_id", "cust-217")
	cases := []struct {
		puid, field, want string
	}{
		{"cust-217", "partner_user_id", "already has an active virtual account"},
		{oysb.PartnerUserFailGenerate, "_form", "could not create the virtual account"},
		{oysb.PartnerUserInactive, "_form", "not active"},
		{oysb.PartnerUserIPNotRegistered, "_form", "IP address is not registered"},
	}
	for _, c := range cases {
		p := b.post("/virtual-accounts", vaForm(formKey(t, b), "partner_user_id", c.puid))
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d", c.puid, p.Status)
		}
		id := "error-" + c.field
		if c.field == "_form" {
			id = "form-error"
		}
		if msg := byTestID(t, p, id).Text(); !strings.Contains(msg, c.want) {
			t.Fatalf("%s: %q does not say %q", c.puid, msg, c.want)
		}
	}
	if n := a.vaCount(); n != 1 {
		t.Fatalf("%d VAs stored, want the first only", n)
	}
}

func TestVAPaymentThroughSandboxCompletesSingleUseOnce(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	v := a.createVA(b)
	if err := a.oy.PayVA(v.VANumber, 0); err != nil {
		t.Fatal(err)
	}
	v = a.waitVA(v.ID, func(v *models.VirtualAccount) bool { return v.Status == models.VAComplete })
	if v.AmountDetected != 150_000 {
		t.Fatalf("amount detected %d", v.AmountDetected)
	}
	pays, err := a.store.VAPayments(context.Background(), v.ID)
	if err != nil || len(pays) != 1 || pays[0].CallbackID == nil || pays[0].Amount != 150_000 {
		t.Fatalf("payments %+v %v", pays, err)
	}
	cb := a.callback(*pays[0].CallbackID)
	if cb.Status != models.CallbackApplied || cb.RecordType != "virtual_account" || cb.RecordID != itoa(v.ID) {
		t.Fatalf("callback %+v", cb)
	}
	// The same callback again: stored as a duplicate, and a replay of the
	// original records nothing new.
	again := a.send("POST", "/callbacks/oy/va?token="+a.cfg.OY.CallbackToken, nil, string(cb.Body))
	if dup := a.callback(again.ID); dup.Status != models.CallbackDuplicate {
		t.Fatalf("repeat stored as %s", dup.Status)
	}
	if _, err := a.worker.Replay(context.Background(), cb, "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	a.drain()
	if pays, _ := a.store.VAPayments(context.Background(), v.ID); len(pays) != 1 {
		t.Fatalf("%d payments after the repeat", len(pays))
	}
	// The page merges the history (admin fee) into the callback's payment.
	p := b.get("/virtual-accounts/" + itoa(v.ID))
	d := doc(t, p)
	if n := d.Find(testid("va-payment")).Length(); n != 1 {
		t.Fatalf("%d payment rows", n)
	}
	if href(d, "payment-callback") != "/callback-log/"+itoa(cb.ID) {
		t.Fatalf("payment links to %q", href(d, "payment-callback"))
	}
	if got := strings.TrimSpace(d.Find(testid("va-detected")).Text()); got != "Rp 150.000" {
		t.Fatalf("detected shown %q", got)
	}
	pays, _ = a.store.VAPayments(context.Background(), v.ID)
	if len(pays) != 1 || pays[0].AdminFee == nil || *pays[0].AdminFee != oysb.VAAdminFee || pays[0].OYTrxID == "" {
		t.Fatalf("history not merged into the payment: %+v", pays)
	}
	if d.Find(testid("va-edit")).Length() != 0 || !strings.Contains(d.Find(testid("why-no-edit")).Text(), "complete") {
		t.Fatal("a complete VA offers a change")
	}
	if e := b.get("/virtual-accounts/" + itoa(v.ID) + "/edit"); e.Status != http.StatusSeeOther {
		t.Fatalf("edit of a complete VA: %d", e.Status)
	}
	// The callback page links back to the VA.
	if href(doc(t, b.get("/callback-log/"+itoa(cb.ID))), "record-link") != "/virtual-accounts/"+itoa(v.ID) {
		t.Fatal("callback does not link to the VA")
	}
}

func TestVACallbackForUnseenVAImportsItFromOY(t *testing.T) {
	a := newTestApp(t)
	made, err := a.oyDirect().CreateVA(context.Background(), &oy.CreateVAParams{PartnerUserID: "ext-9", BankCode: "009", IsOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.oy.PayVA(made.VANumber, 42_000); err != nil {
		t.Fatal(err)
	}
	var v *models.VirtualAccount
	deadline := time.Now().Add(5 * time.Second)
	for v == nil {
		a.drain()
		v, _ = a.store.VirtualAccountByNumber(context.Background(), made.VANumber)
		if time.Now().After(deadline) {
			t.Fatal("the VA was never imported")
		}
		time.Sleep(20 * time.Millisecond)
	}
	v = a.waitVA(v.ID, func(v *models.VirtualAccount) bool { return v.AmountDetected == 42_000 })
	if v.Status != models.VAPaymentDetected || v.Source != "callback" || v.PartnerUserID != "ext-9" || v.OYID != made.ID {
		t.Fatalf("imported %+v", v)
	}
	// A callback for a number neither side knows stays unmatched.
	s := a.send("POST", "/callbacks/oy/va?token="+a.cfg.OY.CallbackToken, nil,
		`{"va_number":"9999000000000","amount":10000,"partner_user_id":"x","success":true,"tx_date":"31/01/2020T01:01:01.000+0000"}`)
	a.drain()
	if cb := a.callback(s.ID); cb.Status != models.CallbackUnmatched {
		t.Fatalf("unknown VA callback: %s", cb.Status)
	}
}

func TestVAUnknownCreateIsSettledFromOYsListNotSentAgain(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	key := formKey(t, b)
	p := b.post("/virtual-accounts", vaForm(key, "partner_user_id", oysb.PartnerUserMadeThen999))
	if p.Status != http.StatusSeeOther || p.Location != "/virtual-accounts" {
		t.Fatalf("unknown create: %d %q", p.Status, p.Location)
	}
	if n := a.vaCount(); n != 0 {
		t.Fatalf("%d VAs stored before OY confirmed one", n)
	}
	// The same form again sends nothing.
	if p := b.post("/virtual-accounts", vaForm(key, "partner_user_id", oysb.PartnerUserMadeThen999)); p.Status != http.StatusSeeOther {
		t.Fatalf("resubmit: %d", p.Status)
	}
	if _, err := a.va.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := a.store.VACreateByKey(context.Background(), key)
	if err != nil || c.Status != models.VACreateDone || c.VirtualAccountID == nil {
		t.Fatalf("create %+v %v", c, err)
	}
	if l, _ := a.oyDirect().ListVAs(context.Background(), nil); l.Total != 1 {
		t.Fatalf("OY holds %d VAs", l.Total)
	}
	v, _ := a.store.VirtualAccountByID(context.Background(), *c.VirtualAccountID)
	if v.CreatedByEmail != "admin@example.com" || v.PartnerUserID != oysb.PartnerUserMadeThen999 {
		t.Fatalf("settled VA %+v", v)
	}
	// 999 with nothing made: after the grace it is "not made".
	key2 := formKey(t, b)
	b.post("/virtual-accounts", vaForm(key2, "partner_user_id", oysb.PartnerUserError999))
	a.clock.Advance(31 * time.Minute)
	if _, err := a.va.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.store.VACreateByKey(context.Background(), key2); c.Status != models.VACreateNotMade {
		t.Fatalf("never-made create is %s", c.Status)
	}
}

func TestVAExpiresWithoutACallback(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	v := a.createVA(b, "expiration_time", "5")
	a.clock.Advance(6 * time.Minute)
	f := b.get("/virtual-accounts?status=EXPIRED")
	d := doc(t, f)
	if n := d.Find(testid("va-row")).Length(); n != 1 {
		t.Fatalf("%d expired rows", n)
	}
	if st, _ := d.Find(testid("va-status") + " " + testid("badge")).Attr("data-status"); st != "EXPIRED" {
		t.Fatalf("status %q", st)
	}
	if p := b.post("/virtual-accounts/"+itoa(v.ID), url.Values{"is_open": {"true"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("update of an expired VA: %d", p.Status)
	}
	got, _ := a.store.VirtualAccountByID(context.Background(), v.ID)
	if got.Status != models.VAExpired || got.Amount != v.Amount {
		t.Fatalf("after refused update: %+v", got)
	}
}

func TestVASyncImportsVAsMadeOutsideOnce(t *testing.T) {
	a := newTestApp(t)
	c := a.oyDirect()
	for i, puid := range []string{"ext-1", "ext-2", "ext-3"} {
		if _, err := c.CreateVA(context.Background(), &oy.CreateVAParams{PartnerUserID: puid, BankCode: oy.VABanks[i].Code, IsOpen: true}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := a.va.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.vaCount(); n != 3 {
		t.Fatalf("%d VAs after two syncs", n)
	}
	p := a.signedIn(models.RoleFinance).get("/virtual-accounts?q=ext-")
	d := doc(t, p)
	if n := d.Find(testid("va-row")).Length(); n != 3 {
		t.Fatalf("%d rows", n)
	}
	if s := d.Find(testid("last-sync")).Text(); !strings.Contains(s, "WIB") || !strings.Contains(s, "3 VAs seen") {
		t.Fatalf("last sync says %q", s)
	}
}

func TestVAListSearchFiltersAndExport(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	v := a.createVA(b)
	a.createVA(b, "partner_user_id", "other", "bank_code", "014")
	f := a.signedIn(models.RoleFinance)
	spaced := v.VANumber[:4] + " " + v.VANumber[4:8]
	d := doc(t, f.get("/virtual-accounts?q="+url.QueryEscape(spaced)))
	if n := d.Find(testid("va-row")).Length(); n != 1 || strings.TrimSpace(d.Find(testid("va-number")).Text()) != v.VANumber {
		t.Fatalf("search %q found %d rows", spaced, n)
	}
	bad := f.get("/virtual-accounts?from=2026-12-05&to=2026-12-01")
	if bad.Status != http.StatusUnprocessableEntity || byTestID(t, bad, "error-to").Text() == "" || byTestID(t, bad, "va-row").Length() != 0 {
		t.Fatalf("impossible range: %d", bad.Status)
	}
	if n := doc(t, f.get("/virtual-accounts?bank=014")).Find(testid("va-row")).Length(); n != 1 {
		t.Fatalf("bank filter: %d rows", n)
	}
	exp := f.get("/virtual-accounts?format=csv&q=9")
	rows, err := csv.NewReader(strings.NewReader(exp.Body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][1] != "va_number" {
		t.Fatalf("csv %v %v", rows, err)
	}
	if f.get("/virtual-accounts/new").Status != http.StatusForbidden {
		t.Fatal("finance may open the create form")
	}
	if f.post("/virtual-accounts", vaForm("0123456789abcdef0123")).Status != http.StatusForbidden {
		t.Fatal("finance may create a VA")
	}
}

func TestVAUpdateChangesAtOY(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	v := a.createVA(b)
	if p := b.get("/virtual-accounts/" + itoa(v.ID) + "/edit"); p.Status != http.StatusOK {
		t.Fatalf("edit form %d", p.Status)
	}
	bad := b.post("/virtual-accounts/"+itoa(v.ID), url.Values{"amount": {"200.000,5"}})
	if bad.Status != http.StatusUnprocessableEntity || byTestID(t, bad, "error-amount").Text() == "" {
		t.Fatalf("bad update %d", bad.Status)
	}
	p := b.post("/virtual-accounts/"+itoa(v.ID), url.Values{"amount": {"200.000"}, "is_single_use": {"true"}, "username_display": {"Toko Baru"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("update %d %s", p.Status, p.Body)
	}
	got, err := a.oyDirect().GetVA(context.Background(), v.OYID)
	if err != nil || got.Amount != 200_000 || got.UsernameDisplay != "Toko Baru" {
		t.Fatalf("OY holds %+v %v", got, err)
	}
	stored, _ := a.store.VirtualAccountByID(context.Background(), v.ID)
	if stored.Amount != 200_000 || stored.UsernameDisplay != "Toko Baru" {
		t.Fatalf("stored %+v", stored)
	}
}

func TestOverviewShowsVAMoneyReceivedToday(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	v := a.createVA(b, "is_open", "true", "amount", "", "is_single_use", "")
	for _, amt := range []int64{25_000, 40_000} {
		if err := a.oy.PayVA(v.VANumber, amt); err != nil {
			t.Fatal(err)
		}
		a.waitVA(v.ID, func(got *models.VirtualAccount) bool { return got.AmountDetected >= amt })
	}
	a.waitVA(v.ID, func(got *models.VirtualAccount) bool { return got.AmountDetected == 65_000 })
	d := doc(t, a.signedIn(models.RoleAuditor).get("/"))
	if got := strings.TrimSpace(d.Find(testid("va-received-sum")).Text()); got != "Rp 65.000" {
		t.Fatalf("received today %q", got)
	}
	if got := d.Find(testid("va-received-count")).Text(); !strings.HasPrefix(got, "2 ") {
		t.Fatalf("count %q", got)
	}
	// Tomorrow (WIB) the figure starts again.
	a.clock.Advance(24 * time.Hour)
	if got := strings.TrimSpace(doc(t, a.signedIn(models.RoleAuditor).get("/")).Find(testid("va-received-sum")).Text()); got != "Rp 0" {
		t.Fatalf("next day %q", got)
	}
}
