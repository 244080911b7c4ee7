//go:build browser

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCheckoutPagesInIndonesianFitTheWindow: an admin switches to Bahasa
// Indonesia, makes a VA, a payment link and an invoice through the forms,
// and every page of them (lists, forms, record pages, the printable
// invoice, recurring invoices) is in Indonesian and no wider than a 360,
// 390 or 1440 px window; 390 and 1440 px screenshots are kept.
func TestCheckoutPagesInIndonesianFitTheWindow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	p := newBrowser(t, ctx)
	p.openAndSignIn(admin)
	p.click(`[data-testid=lang-id]`)
	// The choice is kept for the person: put English back for the tests after this one.
	t.Cleanup(func() {
		p.open("/")
		p.click(`[data-testid=lang-en]`)
	})

	p.open("/virtual-accounts/new")
	p.typeInto(`[data-testid=field-partner_user_id] input`, fmt.Sprintf("e2e-id-%d", time.Now().UnixNano()%1_000_000_000))
	p.choose(`[data-testid=field-bank_code] select`, "Bank BNI", "009")
	p.typeInto(`[data-testid=field-username_display] input`, "Toko Sumber Rejeki")
	if resp := p.click(`[data-testid=va-submit]`); resp.Status != 200 {
		p.fatal("creating the VA answered %d", resp.Status)
	}
	p.waitVisible(`[data-testid=page-va-detail]`)
	vaPage := p.location().Path

	p.open("/payment-links/new")
	p.typeInto(`[data-testid=field-sender_name] input`, "Budi Santoso")
	p.typeInto(`[data-testid=field-amount] input`, "150.000")
	p.typeInto(`[data-testid=field-description] input`, "Pesanan 17")
	if resp := p.click(`[data-testid=create-checkout]`); resp.Status != 200 {
		p.fatal("creating the link answered %d", resp.Status)
	}
	p.waitVisible(`[data-testid=link-qr]`)
	linkPage := p.location().Path

	p.open("/invoices/new")
	p.typeInto(`[data-testid=field-sender_name] input`, "Dewi Lestari")
	p.typeInto(`[data-testid=field-full_name] input`, "Dewi Lestari")
	p.typeInto(`[data-testid=line-row] [data-testid=line-item]`, "Sewa kios")
	p.typeInto(`[data-testid=line-row] [data-testid=line-price]`, "1.500.000")
	if resp := p.click(`[data-testid=create-checkout]`); resp.Status != 200 {
		p.fatal("creating the invoice answered %d", resp.Status)
	}
	p.waitVisible(`[data-testid=print-invoice]`)
	invoicePage := p.location().Path

	pages := []struct{ path, name, want string }{
		{"/virtual-accounts", "va-list", "Virtual account"},
		{"/virtual-accounts/new", "va-new", "Virtual account baru"},
		{vaPage, "va-detail", "Pembayaran masuk"},
		{"/payment-links", "links", "Tautan pembayaran"},
		{"/payment-links/new", "link-new", "Nonaktifkan metode pembayaran"},
		{linkPage, "link-detail", "Riwayat"},
		{"/invoices", "invoices", "Tagihan"},
		{"/invoices/new", "invoice-new", "Rincian item"},
		{invoicePage, "invoice-detail", "Tagihan siap cetak"},
		{invoicePage + "/print", "invoice-print", "Ditagihkan kepada"},
		{"/invoices/recurring", "recurring", "Tagihan berulang"},
	}
	for _, w := range []int64{360, 390, 1440} {
		p.do(fmt.Sprintf("set the viewport to %d px", w), chromedp.EmulateViewport(w, 860))
		for _, pg := range pages {
			if resp := p.open(pg.path); resp.Status != 200 {
				t.Errorf("%s answered %d", pg.path, resp.Status)
				continue
			}
			if lang := p.attr("html", "lang"); lang != "id" {
				t.Errorf("%s: <html lang=%q>", pg.path, lang)
			}
			// Some headings are upper-cased by the style sheet.
			if body := strings.ToLower(p.text("body")); !strings.Contains(body, strings.ToLower(pg.want)) {
				t.Errorf("%s does not say %q", pg.path, pg.want)
			}
			got := get(p, "measure "+pg.path, chromedp.Evaluate[pageWidth](measureWidth))
			if got.Scroll > got.Inner {
				t.Errorf("%s at %d px: the document is %d px wide (%s)", pg.path, w, got.Scroll, got.Widest)
			}
			if w != 360 {
				p.viewportShot(fmt.Sprintf("id-%s-%d", pg.name, w))
			}
		}
	}
}
