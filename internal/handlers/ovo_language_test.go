package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/providers/ayopop"
)

// TestOVOAndTopupPagesInIndonesian: after the toggle, the OVO account and
// top-up pages, a refused form (422) and a flash come out in Bahasa
// Indonesia, with no raw key on any record page; the receipt keeps
// Ayopop's admin-fee note in both languages, word for word.
func TestOVOAndTopupPagesInIndonesian(t *testing.T) {
	a := newTopupApp(t)
	accts := seedOVOAccounts(t, a.testApp)
	b := a.signedIn(models.RoleFinance)
	if p := b.post("/language", url.Values{"lang": {"id"}, "return": {"/"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("toggle: %d", p.Status)
	}
	id := func(key string, args ...any) string { return i18n.In(i18n.ID, key, args...) }
	text := func(p page, testID string) string { return strings.TrimSpace(byTestID(t, p, testID).Text()) }
	noRawKey := func(path string, p page) {
		t.Helper()
		if got := htmlLang(t, p.Body); got != "id" {
			t.Errorf("%s: <html lang=%q>", path, got)
		}
		for _, k := range visibleRawKeys(t, p.Body) {
			t.Errorf("%s shows the raw key %q", path, k)
		}
	}

	// The accounts list and one account.
	list := b.get("/ovo-accounts")
	noRawKey("/ovo-accounts", list)
	if got := strings.TrimSpace(doc(t, list).Find("h1").Text()); got != "Akun OVO tertaut" {
		t.Errorf("accounts list heading %q", got)
	}
	if got := strings.TrimSpace(doc(t, list).Find(testid("ovo-row") + " " + testid("badge")).First().Text()); got != "Menunggu aktivasi" {
		t.Errorf("pending state shown as %q", got)
	}
	if got := text(list, "totals-count"); got != "3 akun" {
		t.Errorf("totals %q", got)
	}
	acct := b.get("/ovo-accounts/" + itoa(accts[0].ID))
	noRawKey("/ovo-accounts/:id", acct)
	if got := text(acct, "ovo-balance-why"); got != id("ovo.why_pending") {
		t.Errorf("why no balance: %q", got)
	}
	if strings.Contains(acct.Body, "Send the customer to OVO") || !strings.Contains(acct.Body, id("ovo.send_heading")) {
		t.Error("the activation panel is not in Indonesian")
	}
	// A list filter that cannot match: its sentence in Indonesian (422).
	if p := b.get("/ovo-accounts?q=abc"); p.Status != http.StatusUnprocessableEntity || text(p, "error-q") != id("ovo.f_phone_start") {
		t.Errorf("phone filter by letters: %d %q", p.Status, text(p, "error-q"))
	}
	// The link form refuses in Indonesian and keeps what was typed.
	p := b.post("/ovo-accounts", url.Values{"cust_name": {""}, "phone_no": {"0812-abc"}, "provider": {"gopay"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad link form: %d", p.Status)
	}
	for field, key := range map[string]string{"cust_name": "ovo.err_name_empty", "phone_no": "ovo.phone_not_digit", "provider": "ovo.err_provider"} {
		if got := text(p, "error-"+field); got != id(key) {
			t.Errorf("link form %s: %q, want %q", field, got, id(key))
		}
	}
	if v, _ := doc(t, p).Find(`input[name="phone_no"]`).Attr("value"); v != "0812-abc" {
		t.Errorf("typed phone not kept: %q", v)
	}

	// Top-ups: the list, the form refusing in Indonesian (422), a top-up
	// made with its flash, its page and its receipt.
	tl := b.get("/ovo-topups")
	noRawKey("/ovo-topups", tl)
	if got := text(tl, "ayopop-deposit"); !strings.HasPrefix(got, "Deposit Ayopop") {
		t.Errorf("deposit line %q", got)
	}
	p = b.post("/ovo-topups/inquiry", url.Values{"phone": {"021 555"}, "product": {""}})
	if p.Status != http.StatusUnprocessableEntity || text(p, "error-phone") != id("ovo.phone_not_id") || text(p, "error-product") != id("topups.err_product_empty") {
		t.Errorf("bad top-up form: %d phone %q product %q", p.Status, text(p, "error-phone"), text(p, "error-product"))
	}
	inq := b.post("/ovo-topups/inquiry", url.Values{"phone": {"0812 3456 7890"}, "product": {"AYOVO50"}})
	noRawKey("confirm", inq)
	if got := text(inq, "confirm-approval"); got != id("topups.below_threshold") {
		t.Errorf("approval line %q", got)
	}
	made, tp := a.makeTopup(b, "0812 3456 7890", "AYOVO50", "")
	show := b.get(made.Location)
	noRawKey("/ovo-topups/:id", show)
	want := id("topups.paid_flash", "Status", id("topups.st_pending"))
	if got := text(show, "flash"); got != want {
		t.Errorf("flash %q, want %q", got, want)
	}
	a.waitStatus(tp.ID, models.TopupSuccess)
	show = b.get(made.Location)
	if got := strings.TrimSpace(byTestID(t, show, "status").Find(testid("badge")).Text()); got != "Berhasil" {
		t.Errorf("success shown as %q", got)
	}
	rc := b.get(made.Location + "/receipt")
	noRawKey("receipt", rc)
	if text(rc, "receipt-status") != "Berhasil" || !strings.Contains(rc.Body, "Bukti Top Up OVO Cash") {
		t.Errorf("receipt not in Indonesian: status %q", text(rc, "receipt-status"))
	}
	if text(rc, "receipt-note-id") != ayopop.ReceiptNoteID || text(rc, "receipt-note-en") != ayopop.ReceiptNoteEN ||
		ayopop.ReceiptNoteEN != "YOUR OVO CASH BALANCE WILL BE DEDUCTED WITH RP 2.000 ADMIN FEE" {
		t.Errorf("the Ayopop note changed: %q / %q", text(rc, "receipt-note-id"), text(rc, "receipt-note-en"))
	}
	if paid := text(rc, "receipt-paid-at"); !strings.HasSuffix(paid, "WIB") {
		t.Errorf("paid at %q", paid)
	}

	// Ayopop's refusal, and Ayopop not answering, in the clerk's language.
	p = b.post("/ovo-topups/inquiry", url.Values{"phone": {"0812 3456 0000"}, "product": {"AYOVO50"}})
	if want := id("topups.err_inquiry", "Reason", id("ayopopmsg.code_301")); p.Status != http.StatusUnprocessableEntity || text(p, "error-phone") != want {
		t.Errorf("no OVO account: %d %q, want %q", p.Status, text(p, "error-phone"), want)
	}
	a.sbWS.Close()
	p = b.post("/ovo-topups/inquiry", url.Values{"phone": {"0812 3456 7890"}, "product": {"AYOVO50"}})
	if got := text(p, "form-error"); p.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(got, "Ayopop tidak menjawab inkuiri (") ||
		strings.Contains(got, "did not answer") || strings.Contains(got, "try again") {
		t.Errorf("Ayopop down: %d %q", p.Status, got)
	}

	// Back in English, the same receipt keeps the same note.
	b.post("/language", url.Values{"lang": {"en"}, "return": {"/"}})
	rc = b.get(made.Location + "/receipt")
	if text(rc, "receipt-status") != "Successful" || text(rc, "receipt-note-id") != ayopop.ReceiptNoteID || text(rc, "receipt-note-en") != ayopop.ReceiptNoteEN {
		t.Errorf("English receipt: %q %q %q", text(rc, "receipt-status"), text(rc, "receipt-note-id"), text(rc, "receipt-note-en"))
	}
}
