package handlers

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
	oysb "backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/store"
	"backoffice/internal/wib"
)

// postMultipart sends a multipart form (the invoice form carries a file).
func (b *browser) postMultipart(path string, form url.Values, fileField, fileName string, file []byte) page {
	b.a.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	form.Set("_csrf", b.csrf)
	for k, vs := range form {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	if fileField != "" {
		fw, _ := w.CreateFormFile(fileField, fileName)
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", b.a.http.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

func linkForm(ref string) url.Values {
	return url.Values{"partner_tx_id": {ref}, "sender_name": {"Budi Santoso"}, "amount": {"150.000"}, "description": {"Order 17"},
		"email": {"budi@example.com"}, "phone_number": {"081234567890"}, "step": {"input-amount"}, "list_enabled_banks": {"008", "002"},
		"list_disabled_payment_methods": {"CREDIT_CARD"}}
}

// waitFor drains the callback worker until cond holds.
func (a *testApp) waitFor(what string, cond func() bool) {
	a.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		a.drain()
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.t.Fatalf("timed out waiting for %s", what)
}

func TestPaymentLinkFromFormToPaidInTheList(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	p := admin.get("/payment-links/new")
	if p.Status != 200 || byTestID(t, p, "field-partner_tx_id").Find("input").AttrOr("value", "") == "" {
		t.Fatalf("form: %d, no generated reference", p.Status)
	}
	// A bad field: 422, its sentence beside it, the input kept, nothing made.
	bad := linkForm("PLH1")
	bad.Set("sender_name", "Budi 2")
	bad.Set("description", "Order #17")
	p = admin.post("/payment-links", bad)
	if p.Status != http.StatusUnprocessableEntity || byTestID(t, p, "error-sender_name").Text() == "" || byTestID(t, p, "error-description").Text() == "" {
		t.Fatalf("bad form: %d", p.Status)
	}
	if v := byTestID(t, p, "field-amount").Find("input").AttrOr("value", ""); v != "150.000" {
		t.Fatalf("amount not kept: %q", v)
	}
	if byTestID(t, p, "bank-008").AttrOr("checked", "no") == "no" || byTestID(t, p, "disable-CREDIT_CARD").AttrOr("checked", "no") == "no" {
		t.Fatal("checkboxes not kept")
	}
	if _, err := a.store.CheckoutByRef(context.Background(), "PLH1"); err != store.ErrNotFound {
		t.Fatalf("something was stored: %v", err)
	}
	// Good: the link large with copy, QR, share links.
	p = admin.post("/payment-links", linkForm("PLH1"))
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/payment-links/") {
		t.Fatalf("create: %d %s", p.Status, p.Body)
	}
	detail := p.Location
	p = admin.get(detail)
	linkURL := byTestID(t, p, "link-url").Text()
	if !strings.Contains(linkURL, "/pay/") || byTestID(t, p, "copy-link").Length() != 1 || byTestID(t, p, "email-status").Text() == "" {
		t.Fatalf("share panel: %q", linkURL)
	}
	if src := byTestID(t, p, "link-qr").AttrOr("src", ""); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("qr: %q", src)
	}
	mailto, wa := byTestID(t, p, "share-mailto").AttrOr("href", ""), byTestID(t, p, "share-whatsapp").AttrOr("href", "")
	if !strings.HasPrefix(mailto, "mailto:budi@example.com?subject=") || !strings.HasPrefix(wa, "https://wa.me/6281234567890?text=") ||
		!strings.Contains(wa, url.QueryEscape(strings.TrimSpace(linkURL))) {
		t.Fatalf("share links: %s %s", mailto, wa)
	}
	// The same reference again: its own sentence.
	p = admin.post("/payment-links", linkForm("PLH1"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "error-partner_tx_id").Text(), "already used") {
		t.Fatalf("duplicate: %d", p.Status)
	}
	// The customer pays; OY's callback is confirmed and applied.
	if err := a.oy.PayCheckout("PLH1", oysb.CheckoutPayment{PaymentMethod: "VA", SenderBank: "008"}); err != nil {
		t.Fatal(err)
	}
	a.waitFor("the paid callback", func() bool {
		c, _ := a.store.CheckoutByRef(context.Background(), "PLH1")
		return c != nil && c.Status == models.CheckoutComplete
	})
	fin := a.signedIn(models.RoleFinance)
	p = fin.get(detail)
	if byTestID(t, p, "status").Find("[data-status]").AttrOr("data-status", "") != "complete" || byTestID(t, p, "paid-amount").Text() != "Rp 150.000" ||
		byTestID(t, p, "payment-method").Text() != "VA" || byTestID(t, p, "sender-bank").Text() != "008" || byTestID(t, p, "va-number").Text() == "" {
		t.Fatalf("paid detail: %s", byTestID(t, p, "status").Text())
	}
	cbLink := byTestID(t, p, "timeline-callback").AttrOr("href", "")
	if !strings.HasPrefix(cbLink, "/callback-log/") || fin.get(cbLink).Status != 200 {
		t.Fatalf("callback link %q", cbLink)
	}
	// Both ways: the callback's page links back to the link it changed.
	if back := byTestID(t, fin.get(cbLink), "record-link").AttrOr("href", ""); back != detail {
		t.Fatalf("the callback links to %q, want %q", back, detail)
	}
	if byTestID(t, p, "delete-panel").Length() != 0 {
		t.Fatal("a paid link offers delete")
	}
	// The list: prefix search, status filter, totals, exports.
	p = fin.get("/payment-links?q=PLH&status=complete")
	rows := byTestID(t, p, "checkout-row")
	if rows.Length() != 1 || rows.Find(`[data-testid="checkout-ref"]`).Text() != "PLH1" || byTestID(t, p, "paid-total").Text() != "Paid: Rp 150.000" {
		t.Fatalf("list: %d rows", rows.Length())
	}
	if p = fin.get("/payment-links?status=created"); byTestID(t, p, "checkout-row").Length() != 0 {
		t.Fatal("status filter")
	}
	if p = fin.get("/payment-links?status=nonsense"); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad status filter: %d", p.Status)
	}
	csv := fin.get("/payment-links?q=PLH&format=csv")
	if csv.Status != 200 || !strings.Contains(csv.Body, "PLH1") || !strings.Contains(csv.Body, "150000") {
		t.Fatalf("csv: %d %s", csv.Status, csv.Body)
	}
	if x := fin.get("/payment-links?format=xlsx"); x.Status != 200 || !strings.HasPrefix(x.Body, "PK") {
		t.Fatalf("xlsx: %d", x.Status)
	}
	// The overview counts it as received today.
	p = fin.get("/")
	if got := byTestID(t, p, "card-links-received").Find(".value").Text(); got != "Rp 150.000" {
		t.Fatalf("overview received: %q", got)
	}
	// Finance and auditors may not create; auditors may not refresh.
	if p := fin.post("/payment-links", linkForm("PLH2")); p.Status != http.StatusForbidden {
		t.Fatalf("finance create: %d", p.Status)
	}
	aud := a.signedIn(models.RoleAuditor)
	if p := aud.post(detail+"/refresh", nil); p.Status != http.StatusForbidden {
		t.Fatalf("auditor refresh: %d", p.Status)
	}
}

func TestDeleteNeedsConfirmationAndIsAudited(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	p := admin.post("/payment-links", linkForm("PLD1"))
	detail := p.Location
	p = admin.post(detail+"/delete", url.Values{})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "action-error").Text(), "Tick the box") {
		t.Fatalf("unconfirmed: %d", p.Status)
	}
	p = admin.post(detail+"/delete", url.Values{"confirm": {"yes"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", p.Status, p.Body)
	}
	p = admin.get(detail)
	if byTestID(t, p, "status").Find("[data-status]").AttrOr("data-status", "") != "closed" || byTestID(t, p, "delete-panel").Length() != 0 {
		t.Fatal("not deleted")
	}
	if p = admin.get("/audit-log?action=link.delete"); !strings.Contains(p.Body, "PLD1") {
		t.Fatal("delete not audited")
	}
	// Refresh asks OY's status and shows Get's view.
	p = admin.post(detail+"/refresh", nil)
	if p.Status != 200 || byTestID(t, p, "live-status").Text() != "closed" {
		t.Fatalf("refresh: %d %q", p.Status, byTestID(t, p, "live-status").Text())
	}
}

func invoiceForm(ref string) url.Values {
	return url.Values{"partner_tx_id": {ref}, "sender_name": {"Dewi Lestari"}, "description": {"Sewa kios Desember"}, "full_name": {"Dewi Lestari"},
		"partner_user_id": {"cust9"}, "email": {"dewi@example.com"}, "step": {"input-amount"},
		"item": {"Sewa kios", "Listrik"}, "item_description": {"Desember", ""}, "quantity": {"1", "3"}, "date_of_purchase": {"2026-12-01", ""},
		"price_per_item": {"1.500.000", "75.000"}}
}

func TestInvoiceWithLinesAttachmentAndPrintPage(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	admin.get("/invoices/new")
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 2000)...)
	// Not a PDF, whatever its name.
	p := admin.postMultipart("/invoices", invoiceForm("INVH1"), "attachment", "invoice.pdf", []byte("PK\x03\x04not a pdf"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "error-attachment").Text(), "not a PDF") {
		t.Fatalf("renamed: %d", p.Status)
	}
	if n := byTestID(t, p, "line-row").Length(); n != 2 {
		t.Fatalf("lines not kept: %d", n)
	}
	// 3 MB: over OY's limit, answered in words (not cut off by the router).
	big := append([]byte("%PDF-1.4\n"), make([]byte, 3<<20)...)
	p = admin.postMultipart("/invoices", invoiceForm("INVH1"), "attachment", "big.pdf", big)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "error-attachment").Text(), "larger than 2 MB") {
		t.Fatalf("3 MB: %d", p.Status)
	}
	// A price that overflows.
	f := invoiceForm("INVH1")
	f["price_per_item"] = []string{"9223372036854775807", "2"}
	f["quantity"] = []string{"2", "1"}
	p = admin.postMultipart("/invoices", f, "", "", nil)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "error-items").Text(), "far beyond") {
		t.Fatalf("overflow: %d", p.Status)
	}
	// No lines at all.
	f = invoiceForm("INVH1")
	for _, k := range []string{"item", "item_description", "quantity", "date_of_purchase", "price_per_item"} {
		f.Del(k)
	}
	p = admin.postMultipart("/invoices", f, "", "", nil)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "error-items").Text(), "at least one line") {
		t.Fatalf("no lines: %d", p.Status)
	}
	if _, err := a.store.CheckoutByRef(context.Background(), "INVH1"); err != store.ErrNotFound {
		t.Fatal("a refused form stored something")
	}
	p = admin.postMultipart("/invoices", invoiceForm("INVH1"), "attachment", "invoice.pdf", pdf)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/invoices/") {
		t.Fatalf("create: %d %s", p.Status, p.Body)
	}
	c, _ := a.store.CheckoutByRef(context.Background(), "INVH1")
	if c.Amount != 1_725_000 || c.AttachmentName != "invoice.pdf" || c.Status != models.CheckoutCreated {
		t.Fatalf("stored: %d %q %s", c.Amount, c.AttachmentName, c.Status)
	}
	detail := p.Location
	p = admin.get(detail)
	if got := byTestID(t, p, "lines-total").Text(); got != "Rp 1.725.000" {
		t.Fatalf("lines total %q", got)
	}
	pr := admin.get(detail + "/print")
	if pr.Status != 200 || byTestID(t, pr, "print-total").Text() != "Rp 1.725.000" || byTestID(t, pr, "print-customer").Text() == "" ||
		byTestID(t, pr, "print-due").Text() != wib.Format(c.Expiration) || byTestID(t, pr, "invoice-line").Length() != 2 ||
		!strings.HasPrefix(byTestID(t, pr, "print-qr").AttrOr("src", ""), "data:image/png") || byTestID(t, pr, "print-merchant").Text() == "" {
		t.Fatalf("print page: %s", pr.Body)
	}
	// The invoice page of a link id is not found (kinds stay apart).
	if p := admin.get(fmt.Sprintf("/payment-links/%d", c.ID)); p.Status != http.StatusNotFound {
		t.Fatalf("kind mix: %d", p.Status)
	}
}

func TestRecurringInvoiceFromTheForm(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	admin.get("/invoices/new")
	f := invoiceForm("")
	f.Set("recurring", "true")
	f.Set("period", "monthly")
	f.Set("month_day", "31")
	f.Set("recurring_start_date", a.clock.Now().In(wib.Zone).Format("2006-01-02"))
	p := admin.postMultipart("/invoices", f, "", "", nil)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/invoices/recurring/") {
		t.Fatalf("create: %d %s", p.Status, p.Body)
	}
	p = admin.get(p.Location)
	if !strings.Contains(byTestID(t, p, "schedule").Text(), "last day of months shorter than 31 days") || byTestID(t, p, "upcoming").Text() == "" {
		t.Fatalf("schedule: %q", byTestID(t, p, "schedule").Text())
	}
	if p := admin.post("/invoices/recurring/1/pause", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("pause: %d", p.Status)
	}
	if p = admin.get("/invoices/recurring/1"); byTestID(t, p, "recurring-state").Text() != "Paused" {
		t.Fatal("not paused")
	}
	if p = admin.get("/audit-log?action=recurring_invoice.pause"); !strings.Contains(p.Body, "recurring invoice 1") {
		t.Fatal("pause not audited")
	}
}
