//go:build browser

package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// simulateVAPayment asks the built-in OY sandbox to take a payment into a
// VA; the sandbox then sends OY's VA callback to the dashboard.
func simulateVAPayment(t *testing.T, number string, amount int64) {
	t.Helper()
	body := fmt.Sprintf(`{"amount":%d}`, amount)
	resp, err := http.Post(baseURL+"/sandbox/oy/simulate/va/"+number+"/pay", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatalf("simulate a payment: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("simulate a payment answered %d: %s", resp.StatusCode, b)
	}
}

// TestVirtualAccountCreatedPaidFoundAndExported: an admin creates a closed,
// single-use VA through the form; a payment is simulated at the sandbox;
// the VA page shows it complete with the amount detected; finance finds it
// by the first digits of its number and exports the list.
func TestVirtualAccountCreatedPaidFoundAndExported(t *testing.T) {
	puid := fmt.Sprintf("e2e-cust-%d", time.Now().UnixNano()%1_000_000_000)
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(admin)
	p.click(`[data-testid="nav-/virtual-accounts"]`)
	p.waitVisible(`[data-testid=page-virtual-accounts]`)
	p.click(`[data-testid=new-va]`)
	p.waitVisible(`[data-testid=page-va-new]`)
	p.typeInto(`[data-testid=field-partner_user_id] input`, puid)
	p.choose(`[data-testid=field-bank_code] select`, "Bank BNI", "009")
	p.do("untick any amount", chromedp.Click(chromedp.CSS(`[data-testid=input-is_open]`)))
	p.do("tick single use", chromedp.Click(chromedp.CSS(`[data-testid=input-is_single_use]`)))
	p.typeInto(`[data-testid=field-amount] input`, "1.250.000")
	p.typeInto(`[data-testid=field-expiration_time] input`, "120")
	p.typeInto(`[data-testid=field-username_display] input`, "Toko Sumber Rejeki")
	p.screenshot("60-va-new")
	if resp := p.click(`[data-testid=va-submit]`); resp.Status != 200 {
		p.fatal("creating the VA answered %d", resp.Status)
	}
	p.waitVisible(`[data-testid=page-va-detail]`)
	number := strings.TrimSpace(p.text(`[data-testid=va-number-copy] code`))
	if len(number) < 10 || !strings.HasPrefix(number, "9009") {
		p.fatal("the VA number shown is %q", number)
	}
	if got := strings.TrimSpace(p.text(`[data-testid=va-amount]`)); got != "Rp 1.250.000" {
		p.fatal("amount shown %q", got)
	}
	if exp := p.text(`[data-testid=va-expires]`); !strings.Contains(exp, "WIB") {
		p.fatal("expiry %q is not in WIB", exp)
	}
	if p.count(`[data-testid=va-qr]`) != 1 {
		p.fatal("no QR code of the payment instructions")
	}
	p.screenshot("61-va-created")

	simulateVAPayment(t, number, 1_250_000)
	var status string
	for deadline := time.Now().Add(15 * time.Second); ; {
		p.open(p.location().RequestURI())
		status = p.attr(`[data-testid=status] [data-testid=badge]`, "data-status")
		// Opening the page reads OY (Get VA Info and history), which may show
		// the payment before the worker has applied its callback: wait for both.
		if (status == "COMPLETE" && p.count(`[data-testid=payment-callback]`) == 1) || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if status != "COMPLETE" {
		p.fatal("after the payment the VA is %q, want COMPLETE", status)
	}
	if got := strings.TrimSpace(p.text(`[data-testid=va-detected]`)); got != "Rp 1.250.000" {
		p.fatal("amount detected %q", got)
	}
	if p.count(`[data-testid=va-payment]`) != 1 || p.count(`[data-testid=payment-callback]`) != 1 {
		p.fatal("the payment is not listed once with its callback")
	}
	p.screenshot("62-va-paid")

	f := p.freshContext()
	f.openAndSignIn(finance)
	f.click(`[data-testid="nav-/virtual-accounts"]`)
	f.waitVisible(`[data-testid=page-virtual-accounts]`)
	prefix := number[:len(number)-3]
	f.typeInto(`[data-testid=field-q] input`, prefix)
	f.click(`[data-testid=va-filters] button[type=submit]`)
	f.waitVisible(`[data-testid=va-table]`)
	rows := f.visibleTexts(`[data-testid=va-number]`)
	found := false
	for _, r := range rows {
		if !strings.HasPrefix(r, prefix) {
			f.fatal("row %q does not start with %q", r, prefix)
		}
		found = found || r == number
	}
	if !found {
		f.fatal("the VA %s is not among %v", number, rows)
	}
	f.screenshot("63-va-list-finance")
	csvURL := f.attr(`[data-testid=export-csv]`, "href")
	if st, ct, lines := f.download(csvURL); st != 200 || !strings.HasPrefix(ct, "text/csv") || lines != len(rows)+1 {
		f.fatal("CSV export: %d %q %d lines, want %d", st, ct, lines, len(rows)+1)
	}
	if st, ct, _ := f.download(f.attr(`[data-testid=export-xlsx]`, "href")); st != 200 || !strings.Contains(ct, "spreadsheet") {
		f.fatal("XLSX export: %d %q", st, ct)
	}
}
