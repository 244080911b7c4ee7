package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/wib"
)

// TestVirtualAccountsAndCheckoutInIndonesian switches an admin to Bahasa
// Indonesia and walks the VA, payment link, invoice and recurring invoice
// pages, record pages included: titles, statuses, a 422 field error, flash
// messages and the printable invoice come out in Indonesian, with no raw
// key and none of the English texts they replace.
func TestVirtualAccountsAndCheckoutInIndonesian(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	if p := b.post("/language", url.Values{"lang": {"id"}, "return": {"/"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("toggle: %d", p.Status)
	}
	id := func(key string, args ...any) string { return i18n.In(i18n.ID, key, args...) }
	text := func(p page, testID string) string {
		t.Helper()
		return strings.Join(strings.Fields(byTestID(t, p, testID).Text()), " ")
	}
	clean := func(what string, p page, english ...string) {
		t.Helper()
		if got := htmlLang(t, p.Body); got != "id" {
			t.Errorf("%s: <html lang=%q>", what, got)
		}
		for _, k := range visibleRawKeys(t, p.Body) {
			t.Errorf("%s shows the raw key %q", what, k)
		}
		for _, en := range english {
			if strings.Contains(p.Body, en) {
				t.Errorf("%s still says %q in English", what, en)
			}
		}
	}

	// Virtual accounts: the list, a 422 beside the amount, the flash and the record page.
	p := b.get("/virtual-accounts")
	if h := doc(t, p).Find("h1").First().Text(); h != id("vas.list_title") {
		t.Errorf("VA list title %q", h)
	}
	clean("VA list", p, "OY virtual account numbers", "Fix the filters above", "No virtual accounts match")
	p = b.post("/virtual-accounts", vaForm(formKey(t, b), "amount", "150000,50"))
	if p.Status != http.StatusUnprocessableEntity || text(p, "error-amount") != id("vas.err_amount_format") {
		t.Fatalf("VA form error: %d %q", p.Status, text(p, "error-amount"))
	}
	clean("VA form", p, "Customer id", "Create at OY", "Whole rupiah")
	p = b.post("/virtual-accounts", vaForm(formKey(t, b)))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create VA: %d %s", p.Status, p.Body)
	}
	p = b.get(p.Location)
	if got := text(p, "flash"); !strings.Contains(got, id("vas.flash_created")) {
		t.Errorf("VA flash %q, want %q", got, id("vas.flash_created"))
	}
	if got := text(p, "status"); got != id("vas.status_waiting_payment") {
		t.Errorf("VA status %q", got)
	}
	clean("VA page", p, "Waiting for payment", "Incoming payments", "Amount detected", "Read from OY")

	// Payment links: a 422 beside the payer's name, then the link and its page.
	b.get("/payment-links/new")
	f := linkForm("IDLINK1")
	f.Set("sender_name", "Budi 2")
	p = b.postMultipart("/payment-links", f, "", "", nil)
	if p.Status != http.StatusUnprocessableEntity || text(p, "error-sender_name") != id("checkout.err_sender_format") {
		t.Fatalf("link form error: %d %q", p.Status, text(p, "error-sender_name"))
	}
	clean("link form", p, "Payer's name", "Create payment link", "Disable payment methods")
	p = b.postMultipart("/payment-links", linkForm("IDLINK1"), "", "", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create link: %d %s", p.Status, p.Body)
	}
	p = b.get(p.Location)
	if got := text(p, "flash"); !strings.Contains(got, id("checkout.flash_created")) {
		t.Errorf("link flash %q", got)
	}
	if got := text(p, "status"); !strings.HasPrefix(got, id("checkout.status_created")) {
		t.Errorf("link status %q", got)
	}
	clean("link page", p, "Open, not paid", "Timeline", "Refresh from OY", "What happened")
	p = b.get("/payment-links")
	clean("link list", p, "Open, not paid", "payment link", "Created from")
	if got := text(p, "totals-count"); got != "1 "+id("links.totals_one") {
		t.Errorf("link totals %q", got)
	}

	// An invoice, its page and the printable invoice in the viewer's language.
	b.get("/invoices/new")
	p = b.postMultipart("/invoices", invoiceForm("IDINV1"), "", "", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create invoice: %d %s", p.Status, p.Body)
	}
	inv := p.Location
	clean("invoice page", b.get(inv), "Printable invoice", "Line items", "Date of purchase")
	pr := b.get(inv + "/print")
	c, err := a.store.CheckoutByRef(context.Background(), "IDINV1")
	if err != nil {
		t.Fatal(err)
	}
	idCtx := i18n.With(context.Background(), i18n.ID)
	if got := text(pr, "print-due"); got != i18n.Time(idCtx, c.Expiration) {
		t.Errorf("due %q, want %q", got, i18n.Time(idCtx, c.Expiration))
	}
	if h := doc(t, pr).Find("h1").First().Text(); h != id("invoices.invoice") {
		t.Errorf("print heading %q", h)
	}
	clean("printable invoice", pr, "Bill to", "Amount due", "Pay online")

	// A recurring invoice: the schedule in words, pausing it, its state.
	f = invoiceForm("")
	f.Set("recurring", "true")
	f.Set("period", "days")
	f.Set("recurring_frequency", "7")
	f.Set("recurring_start_date", a.clock.Now().In(wib.Zone).Format("2006-01-02"))
	p = b.postMultipart("/invoices", f, "", "", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create recurring: %d %s", p.Status, p.Body)
	}
	rec := p.Location
	p = b.get(rec)
	if got := text(p, "schedule"); !strings.HasPrefix(got, "setiap 7 hari mulai") {
		t.Errorf("schedule %q", got)
	}
	clean("recurring page", p, "every 7 days", "Next dates", "End for good")
	p = b.post(rec+"/pause", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("pause: %d", p.Status)
	}
	p = b.get(rec)
	if got := text(p, "flash"); !strings.Contains(got, id("recurring.flash_paused")) {
		t.Errorf("pause flash %q", got)
	}
	if got := text(p, "recurring-state"); got != id("recurring.status_paused") {
		t.Errorf("state %q", got)
	}
	clean("recurring list", b.get("/invoices/recurring"), "Recurring invoices", "Paused")
}
