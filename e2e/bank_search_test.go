//go:build browser

package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// Typing part of a bank's name in the box above the bank list narrows the
// list and picks the first match, so "mandiri" finds Bank Mandiri (008).
func TestBankSearchNarrowsTheList(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(finance)
	p.openNewDisbursement()
	p.waitVisible(`[data-testid=filter-recipient_bank]`)
	p.typeInto(`[data-testid=filter-recipient_bank]`, "mandiri")
	if v := p.value(`#f-recipient_bank`); v != "008" {
		t.Fatalf("after typing mandiri the bank is %q, want 008", v)
	}
	visible := get(p, "count visible options", chromedp.Evaluate[int](`Array.from(document.querySelectorAll('#f-recipient_bank option')).filter(o => !o.hidden && o.value !== '').length`))
	if visible < 1 || visible > 3 {
		t.Fatalf("%d banks still listed after typing mandiri", visible)
	}
	p.clearField(`[data-testid=filter-recipient_bank]`)
	p.typeInto(`[data-testid=filter-recipient_bank]`, "ovo")
	if v := p.value(`#f-recipient_bank`); v != "ovo" {
		t.Fatalf("after typing ovo the bank is %q, want ovo", v)
	}
}
