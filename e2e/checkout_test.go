//go:build browser

package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPaymentLinkFromFormToPaidInTheList: an admin makes a payment link,
// sees it large with its QR code, the customer pays on the OY sandbox's
// pay page, and the link is found paid in the list.
func TestPaymentLinkFromFormToPaidInTheList(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(admin)
	p.click(`[data-testid="nav-/payment-links"]`)
	p.waitVisible(`[data-testid=page-links]`)
	p.click(`[data-testid=new-checkout]`)
	p.waitVisible(`[data-testid=checkout-form]`)
	ref := p.value(`[data-testid=field-partner_tx_id] input`)
	if ref == "" {
		t.Fatal("no reference was made for the new link")
	}

	// A name with a digit is refused beside its field; the rest is kept.
	p.typeInto(`[data-testid=field-sender_name] input`, "Budi 2")
	p.typeInto(`[data-testid=field-amount] input`, "150.000")
	p.typeInto(`[data-testid=field-description] input`, "Order 17")
	p.tick(`[data-testid=bank-008]`)
	if resp := p.click(`[data-testid=create-checkout]`); resp.Status != 422 {
		t.Fatalf("the invalid form answers %d, want 422", resp.Status)
	}
	if msg := p.text(`[data-testid=error-sender_name]`); !strings.Contains(msg, "only letters and spaces") {
		t.Errorf("sender_name error %q", msg)
	}
	if v := p.value(`[data-testid=field-amount] input`); v != "150.000" {
		t.Errorf("the amount was not kept: %q", v)
	}
	p.clearField(`[data-testid=field-sender_name] input`)
	p.typeInto(`[data-testid=field-sender_name] input`, "Budi Santoso")
	p.typeInto(`[data-testid=field-phone_number] input`, "081234567890")
	if resp := p.click(`[data-testid=create-checkout]`); resp.Status != 200 {
		t.Fatalf("create answers %d", resp.Status)
	}
	p.waitVisible(`[data-testid=link-qr]`)
	link := p.text(`[data-testid=link-url]`)
	if !strings.HasPrefix(link, baseURL+"/sandbox/oy/pay/") {
		t.Fatalf("link %q", link)
	}
	if got := p.text(`[data-testid=partner-tx-id]`); got != ref {
		t.Errorf("reference %q, want %q", got, ref)
	}
	p.screenshot("payment-link-created")
	detail := p.location().Path

	// The customer pays on the sandbox's pay page.
	p.open(strings.TrimPrefix(link, baseURL))
	p.waitVisible(`[data-testid=sandbox-pay]`)
	p.click(`[data-testid=sandbox-pay]`)
	if got := p.text(`[data-testid=sandbox-status]`); got != "complete" {
		t.Fatalf("sandbox status %q", got)
	}

	// The callback is confirmed and applied; the list finds it paid.
	deadline := time.Now().Add(settleLimit)
	for {
		p.open("/payment-links?q=" + ref)
		p.waitVisible(`[data-testid=checkout-table]`)
		if p.text(`[data-testid=checkout-status] [data-testid=badge]`) == "Paid and settled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the link is %q after %s", p.text(`[data-testid=checkout-status] [data-testid=badge]`), settleLimit)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if got := p.text(`[data-testid=checkout-paid] [data-testid=money]`); got != "Rp 150.000" {
		t.Errorf("paid %q", got)
	}
	p.screenshot("payment-links-list")
	p.open(detail)
	if got := p.text(`[data-testid=payment-method]`); got != "VA" {
		t.Errorf("method %q", got)
	}
	p.screenshot("payment-link-paid")
}

// TestInvoiceLinesAddUpLiveAndPrint: line items are added and removed in
// the form with the total shown as typed, the server agrees, and the
// printable page looks like an invoice.
func TestInvoiceLinesAddUpLiveAndPrint(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(admin)
	p.open("/invoices/new")
	p.waitVisible(`[data-testid=checkout-form]`)
	p.typeInto(`[data-testid=field-sender_name] input`, "Dewi Lestari")
	p.typeInto(`[data-testid=field-description] input`, "Sewa kios Desember")
	p.typeInto(`[data-testid=field-full_name] input`, "Dewi Lestari")
	row := func(n int, field string) string {
		return `[data-testid=line-row]:nth-child(` + strconv.Itoa(n) + `) [data-testid=` + field + `]`
	}
	p.typeInto(row(1, "line-item"), "Sewa kios")
	p.typeInto(row(1, "line-price"), "1.500.000")
	p.do("add a line", chromedp.Click(chromedp.CSS(`[data-testid=add-line]`), chromedp.NodeVisible))
	p.typeInto(row(2, "line-item"), "Listrik")
	p.typeInto(row(2, "line-quantity"), "3")
	p.typeInto(row(2, "line-price"), "75000")
	p.do("add a line", chromedp.Click(chromedp.CSS(`[data-testid=add-line]`), chromedp.NodeVisible))
	p.typeInto(row(3, "line-item"), "Salah")
	p.typeInto(row(3, "line-quantity"), "1")
	p.typeInto(row(3, "line-price"), "999000")
	if got := p.text(`[data-testid=live-total]`); got != "Rp 2.724.000" {
		t.Errorf("live total with three lines %q", got)
	}
	p.do("remove the third line", chromedp.Click(chromedp.CSS(row(3, "remove-line")), chromedp.NodeVisible))
	if got := p.text(`[data-testid=live-total]`); got != "Rp 1.725.000" {
		t.Errorf("live total after removing a line %q", got)
	}
	p.screenshot("invoice-form")
	if resp := p.click(`[data-testid=create-checkout]`); resp.Status != 200 {
		t.Fatalf("create answers %d", resp.Status)
	}
	if got := p.text(`[data-testid=lines-total]`); got != "Rp 1.725.000" {
		t.Errorf("server total %q", got)
	}
	p.click(`[data-testid=print-invoice]`)
	p.waitVisible(`[data-testid=print-qr]`)
	if got := p.text(`[data-testid=print-total]`); got != "Rp 1.725.000" {
		t.Errorf("printed total %q", got)
	}
	p.screenshot("invoice-print")
}
