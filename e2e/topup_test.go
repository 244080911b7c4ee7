//go:build browser

package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestTopupFromFormToPrintedReceipt: finance tops up an OVO number with a
// fixed denomination below the approval threshold — form, Ayopop's
// inquiry, the customer's name confirmed, the payment, Ayopop's callback —
// and prints the receipt with the bilingual admin-fee note.
func TestTopupFromFormToPrintedReceipt(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(finance)
	p.click(`[data-testid="nav-/ovo-topups"]`)
	p.waitVisible(`[data-testid=page-topups]`)
	p.click(`[data-testid=new-topup]`)
	p.waitVisible(`[data-testid=page-topup-new]`)

	// A phone in an odd form is refused beside its field, input kept.
	p.typeInto(`[data-testid=field-phone] input`, "0812-ab")
	p.do("choose AYOVO50", chromedp.SetValue(chromedp.CSS(`[data-testid=field-product] select`), "AYOVO50"))
	if resp := p.click(`[data-testid=inquire]`); resp.Status != 422 {
		t.Errorf("a bad phone answers %d, want 422", resp.Status)
	}
	if p.text(`[data-testid=error-phone]`) == "" || p.value(`[data-testid=field-phone] input`) != "0812-ab" {
		t.Errorf("bad phone: error %q, kept %q", p.text(`[data-testid=error-phone]`), p.value(`[data-testid=field-phone] input`))
	}
	p.screenshot("topup-01-form-error")

	p.clearField(`[data-testid=field-phone] input`)
	p.typeInto(`[data-testid=field-phone] input`, "+62 812 7777 1234")
	p.do("choose AYOVO50", chromedp.SetValue(chromedp.CSS(`[data-testid=field-product] select`), "AYOVO50"))
	if resp := p.click(`[data-testid=inquire]`); resp.Status != 200 {
		p.fatal("inquiry answered %d, want 200", resp.Status)
	}
	p.waitVisible(`[data-testid=page-topup-confirm]`)
	name := p.text(`[data-testid=customer-name]`)
	if name == "" {
		p.fatal("no customer name from Ayopop")
	}
	if got := p.text(`[data-testid=confirm-total]`); got != "Rp 51.300" {
		t.Errorf("total %q, want Rp 51.300", got)
	}
	p.screenshot("topup-02-confirm")
	p.tick(`[data-testid=confirm-name]`)
	p.click(`[data-testid=submit-topup]`)
	p.waitVisible(`[data-testid=page-topup-detail]`)
	detail := p.location().Path

	start := time.Now()
	status := p.text(`[data-testid=status] [data-testid=badge]`)
	for status != "Success" {
		if time.Since(start) > settleLimit {
			p.fatal("status is still %q %s after paying, want Success", status, settleLimit)
		}
		time.Sleep(time.Second)
		p.open(detail)
		p.waitVisible(`[data-testid=page-topup-detail]`)
		status = p.text(`[data-testid=status] [data-testid=badge]`)
	}
	p.screenshot("topup-03-success")

	p.click(`[data-testid=receipt-link]`)
	p.waitVisible(`[data-testid=receipt]`)
	for sel, want := range map[string]string{
		`[data-testid=receipt-note-id]`: "SALDO OVO CASH ANDA AKAN DIPOTONG BIAYA ADMIN RP 2.000",
		`[data-testid=receipt-note-en]`: "YOUR OVO CASH BALANCE WILL BE DEDUCTED WITH RP 2.000 ADMIN FEE",
		`[data-testid=receipt-name]`:    name,
		`[data-testid=receipt-phone]`:   "081277771234",
		`[data-testid=receipt-total]`:   "Rp 51.300",
	} {
		if got := p.text(sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if got := p.text(`[data-testid=receipt-paid-at]`); !strings.Contains(got, "WIB") {
		t.Errorf("paid at %q is not in WIB", got)
	}
	if p.text(`[data-testid=receipt-serial]`) == "" {
		t.Error("no serial number on the receipt")
	}
	// Printed: the navigation is gone and the sheet is what reaches paper.
	p.do("print media", func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	})
	if n := get(p, "nav visible when printing", chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('[data-testid=nav]')).display !== 'none'`)); n {
		t.Error("the navigation is printed")
	}
	p.screenshot("topup-04-receipt-print")
	pdf := get(p, "print to PDF", chromedp.PrintToPDF())
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Error("the receipt did not print to PDF")
	}

	// The list shows it as Success, with the deposit above.
	p.do("screen media", func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
		return chromedp.Void{}, err
	})
	p.open("/ovo-topups")
	p.waitVisible(`[data-testid=topup-table]`)
	if p.count(`[data-testid=ayopop-deposit-amount]`) != 1 {
		t.Error("no Ayopop deposit on the list")
	}
	found := false
	for _, r := range p.visibleTexts(`[data-testid=topup-row]`) {
		found = found || (strings.Contains(r, "081277771234") && strings.Contains(r, "Success") && strings.Contains(r, "Rp 51.300"))
	}
	if !found {
		t.Error("the top-up is not listed as Success")
	}
	p.screenshot("topup-05-list")
}
