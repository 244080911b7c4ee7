package handlers

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"backoffice/internal/models"
	"backoffice/internal/store"
)

// seedOVOAccounts stages accounts through the store, as a link would.
func seedOVOAccounts(t *testing.T, a *testApp) []*models.OVOAccount {
	t.Helper()
	fin := a.users[models.RoleFinance]
	var out []*models.OVOAccount
	for i, spec := range []struct{ provider, name, phone string }{
		{models.OVOFaspay, "Siti Rahma", "6281234567801"},
		{models.OVODoku, "Budi Santoso", "6285700000002"},
		{models.OVOFaspay, "Dewi Lestari", "6281399990003"},
	} {
		acct := &models.OVOAccount{Provider: spec.provider, CustomerName: spec.name, Phone: spec.phone, MakerID: fin.ID, MakerEmail: fin.Email,
			RedirectURL: "https://example.test/ovo/activation?session=" + fmt.Sprint(i)}
		id := fin.ID
		if err := a.store.CreateOVOAccount(context.Background(), acct, &models.AuditEntry{Action: "ovo_account.link", ActorID: &id, ActorEmail: fin.Email}); err != nil {
			t.Fatal(err)
		}
		out = append(out, acct)
	}
	return out
}

func TestOVOListMasksPhonesAndFilters(t *testing.T) {
	a := newTestApp(t)
	accts := seedOVOAccounts(t, a)
	for _, role := range []models.Role{models.RoleAuditor, models.RoleFinance} {
		b := a.signedIn(role)
		p := b.get("/ovo-accounts")
		if p.Status != http.StatusOK {
			t.Fatalf("%s: list answered %d", role, p.Status)
		}
		d := doc(t, p)
		if n := rows(d, "ovo-row"); n != 3 {
			t.Fatalf("%s: %d rows", role, n)
		}
		d.Find(testid("ovo-phone")).Each(func(_ int, s *goquery.Selection) {
			if got := strings.TrimSpace(s.Text()); !strings.HasSuffix(got, "7801") && !strings.HasSuffix(got, "0002") && !strings.HasSuffix(got, "0003") || strings.Contains(got, "812345") {
				t.Errorf("%s: phone shown as %q", role, got)
			}
		})
		if (rows(d, "link-account") == 1) != (role == models.RoleFinance) {
			t.Errorf("%s: link button shown = %v", role, rows(d, "link-account") == 1)
		}
		// The export masks too.
		exp := b.get("/ovo-accounts?format=csv")
		recs, err := csv.NewReader(strings.NewReader(exp.Body)).ReadAll()
		if err != nil || len(recs) != 4 {
			t.Fatalf("%s: csv %v %d", role, err, len(recs))
		}
		for _, r := range recs[1:] {
			if strings.Contains(r[2], "8123456") || len(r[2]) < 4 {
				t.Errorf("%s: csv phone %q", role, r[2])
			}
		}
	}
	b := a.signedIn(models.RoleAuditor)
	for q, want := range map[string]int{"q=0812": 1, "q=081": 2, "q=62857": 1, "q=%2B62+813": 1, "name=budi": 1, "provider=doku": 1, "state=pending": 3, "state=linked": 0, "q=abc": 0} {
		if n := rows(doc(t, b.get("/ovo-accounts?"+q)), "ovo-row"); n != want {
			t.Errorf("%s: %d rows, want %d", q, n, want)
		}
	}
	if p := b.get("/ovo-accounts?state=nope"); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad state filter answered %d", p.Status)
	}
	// Letters where a phone number starts: a sentence beside the field, the search kept.
	if p := b.get("/ovo-accounts?q=abc"); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(doc(t, p).Find(testid("error-q")).Text(), "start of a mobile number") ||
		doc(t, p).Find(`input[name="q"]`).AttrOr("value", "") != "abc" {
		t.Errorf("a search by letters answered %d", p.Status)
	}

	// One account: the full number for finance, masked for the auditor;
	// a pending account's page says why no balance is read and shows the OVO link.
	path := "/ovo-accounts/" + itoa(accts[0].ID)
	fin := doc(t, a.signedIn(models.RoleFinance).get(path))
	if got := strings.TrimSpace(fin.Find(testid("ovo-detail-phone")).Text()); got != "081234567801" {
		t.Errorf("finance sees the phone as %q", got)
	}
	if rows(fin, "ovo-redirect-url") != 1 || rows(fin, "ovo-redirect-qr") != 1 || rows(fin, "ovo-balance-why") != 1 || rows(fin, "ovo-balance-refresh") != 0 {
		t.Error("pending account page: activation link, QR code or balance reason missing")
	}
	aud := doc(t, b.get(path))
	if got := strings.TrimSpace(aud.Find(testid("ovo-detail-phone")).Text()); strings.Contains(got, "12345") || !strings.HasSuffix(got, "7801") {
		t.Errorf("auditor sees the phone as %q", got)
	}
	// An auditor changes nothing.
	if p := b.post(path+"/unlink", nil); p.Status != http.StatusForbidden {
		t.Errorf("auditor unlink answered %d", p.Status)
	}
	if p := b.post("/ovo-accounts", url.Values{"cust_name": {"X"}, "phone_no": {"0812"}, "provider": {"faspay"}}); p.Status != http.StatusForbidden {
		t.Errorf("auditor link answered %d", p.Status)
	}
}

func TestOVOLinkFormRefusesBadInputInWords(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleFinance)
	p := b.post("/ovo-accounts", url.Values{"cust_name": {""}, "phone_no": {"12345"}, "provider": {"gopay"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad link form answered %d", p.Status)
	}
	d := doc(t, p)
	for _, f := range []string{"cust_name", "phone_no", "provider"} {
		if strings.TrimSpace(d.Find(testid("error-"+f)).Text()) == "" {
			t.Errorf("no sentence beside %s", f)
		}
	}
	if v, _ := d.Find(`input[name="phone_no"]`).Attr("value"); v != "12345" {
		t.Errorf("typed phone not kept: %q", v)
	}
	page, err := a.store.ListOVOAccounts(context.Background(), storeOVOFilterAll(), 10)
	if err != nil || len(page.Items) != 0 {
		t.Errorf("a refused form stored something: %v %d", err, len(page.Items))
	}
}

func storeOVOFilterAll() store.OVOAccountFilter { return store.OVOAccountFilter{} }
