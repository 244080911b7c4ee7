//go:build browser

package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// waitForText reopens path until the text of sel is want (a callback
// changes the page, which does not refresh itself).
func (p *tab) waitForText(path, sel, want string, limit time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		p.open(path)
		if p.count(sel) > 0 && p.text(sel) == want {
			return
		}
		if time.Now().After(deadline) {
			p.fatal("%s still shows %q at %s after %s, want %q", path, p.text(sel), sel, limit, want)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// confirmOnOVO opens the sandbox's OVO page the dashboard handed out (as
// the customer would) and confirms with the OTP (when asked) and PIN.
func (p *tab) confirmOnOVO(link string) {
	p.t.Helper()
	if !strings.HasPrefix(link, baseURL+"/sandbox/faspay/ovo/") && !strings.HasPrefix(link, baseURL+"/sandbox/doku/ovo/") {
		p.fatal("the OVO link %q is not a sandbox's OVO page", link)
	}
	p.open(strings.TrimPrefix(link, baseURL))
	if p.count(`input[name=otp]`) > 0 {
		p.typeInto(`input[name=otp]`, "123456")
	}
	p.typeInto(`input[name=pin]`, "123456")
	p.click(`button[value=confirm]`)
}

// TestOVOLinkChargeAndAudit: finance links a customer's OVO account at
// Faspay, the customer confirms on OVO's page, the activation callback
// links it; finance charges it, the customer enters the PIN, the
// notification marks it paid. An auditor then finds the payment and,
// through its link, the callback that changed it.
func TestOVOLinkChargeAndAudit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	p := newBrowser(t, ctx)
	p.openAndSignIn(finance)
	p.click(`[data-testid="nav-/ovo-accounts"]`)
	p.waitVisible(`[data-testid=page-ovo-accounts]`)
	p.click(`[data-testid=link-account]`)
	p.waitVisible(`[data-testid=page-ovo-new]`)

	// A bad phone first: the sentence beside the field, the input kept.
	p.typeInto(`[data-testid=field-cust_name] input`, "Siti Rahma")
	p.typeInto(`[data-testid=field-phone_no] input`, "0812-34")
	p.choose(`[data-testid=field-provider] select`, "Faspay (OVO Tokenize)", "faspay")
	if resp := p.click(`[data-testid=link-submit]`); resp.Status != 422 {
		t.Errorf("a too-short phone answers %d, want 422", resp.Status)
	}
	if p.text(`[data-testid=error-phone_no]`) == "" || p.value(`[data-testid=field-phone_no] input`) != "0812-34" {
		t.Error("the phone's error is not shown beside it, or the typed number was lost")
	}
	p.clearField(`[data-testid=field-phone_no] input`)
	p.typeInto(`[data-testid=field-phone_no] input`, "0812 3456 7088")
	p.click(`[data-testid=link-submit]`)
	p.waitVisible(`[data-testid=page-ovo-account]`)
	account := p.location().Path
	if !regexp.MustCompile(`^/ovo-accounts/[0-9]+$`).MatchString(account) {
		p.fatal("after linking the browser is at %s", account)
	}
	if got := p.text(`[data-testid=ovo-state] [data-testid=badge]`); got != "Pending activation" {
		t.Errorf("a new account shows %q", got)
	}
	p.waitVisible(`[data-testid=ovo-redirect-qr]`)
	link := p.text(`[data-testid=ovo-redirect-url] code`)
	p.screenshot("60-ovo-pending")

	p.confirmOnOVO(link)
	p.waitForText(account, `[data-testid=ovo-state] [data-testid=badge]`, "Linked", 30*time.Second)
	if got := p.text(`[data-testid=ovo-cash]`); got != "Rp 1.967.700" {
		t.Errorf("OVO Cash after linking = %q", got)
	}

	// Charge it: first without an amount (the sentence beside it, the rest kept).
	p.typeInto(`[data-testid=field-description] input`, "Order 7088")
	if resp := p.click(`[data-testid=ovo-pay-submit]`); resp.Status != 422 {
		t.Errorf("a payment without an amount answers %d, want 422", resp.Status)
	}
	if p.text(`[data-testid=error-amount]`) == "" || p.value(`[data-testid=field-description] input`) != "Order 7088" {
		t.Error("the amount's error is missing, or the description was lost")
	}
	if p.count(`[data-testid=ovo-payment-row]`) != 0 {
		t.Error("a refused payment form made a payment")
	}
	p.clearField(`[data-testid=field-description] input`)
	p.typeInto(`[data-testid=field-amount] input`, "125.000")
	p.typeInto(`[data-testid=field-description] input`, "Order 7088")
	p.typeInto(`[data-testid=field-email] input`, "siti@example.co.id")
	p.click(`[data-testid=ovo-pay-submit]`)
	p.waitVisible(`[data-testid=ovo-payment-row]`)
	if got := p.text(`[data-testid=ovo-payment-status] [data-testid=badge]`); got != "Waiting for the customer's PIN" {
		t.Errorf("a new payment shows %q", got)
	}
	ref := p.text(`[data-testid=ovo-payment-ref]`)
	p.confirmOnOVO(p.text(`[data-testid=ovo-payment-redirect] code`))
	p.waitForText(account, `[data-testid=ovo-payment-status] [data-testid=badge]`, "Paid", 30*time.Second)
	p.screenshot("61-ovo-paid")

	// The auditor finds it: the list masks the phone, the payment links its callback.
	a := p.freshContext()
	a.openAndSignIn(auditor)
	a.open("/ovo-accounts?q=0812345")
	if got := a.text(`[data-testid=ovo-phone]`); got != "••••••••7088" && !strings.HasSuffix(got, "7088") || strings.Contains(got, "3456") {
		t.Errorf("the list shows the phone as %q", got)
	}
	a.screenshot("62-ovo-list-auditor")
	a.click(`[data-testid=ovo-customer]`)
	a.waitVisible(`[data-testid=page-ovo-account]`)
	if a.count(`[data-testid=ovo-pay-form]`) != 0 || a.count(`[data-testid=ovo-unlink]`) != 0 {
		t.Error("the auditor is offered a payment or unlink")
	}
	if got := a.text(`[data-testid=ovo-payment-ref]`); got != ref {
		t.Errorf("the auditor sees payment %q, want %q", got, ref)
	}
	a.click(`[data-testid=ovo-payment-callback]`)
	a.waitVisible(`[data-testid=record-link]`)
	if !strings.Contains(a.location().Path, "/callback-log/") {
		t.Errorf("the payment's callback link leads to %s", a.location().Path)
	}
	a.screenshot("63-ovo-callback")

	// Finance unlinks it after a confirmation that names the customer and phone.
	p.open(account)
	p.click(`[data-testid=ovo-unlink]`)
	q := p.text(`[data-testid=ovo-unlink-question]`)
	if !strings.Contains(q, "Siti Rahma") || !strings.Contains(q, "081234567088") {
		t.Errorf("the unlink confirmation says %q", q)
	}
	p.click(`[data-testid=ovo-unlink-confirm]`)
	p.waitVisible(`[data-testid=page-ovo-account]`)
	if got := p.text(`[data-testid=ovo-state] [data-testid=badge]`); got != "Unlinked" {
		t.Errorf("after unlinking the state is %q", got)
	}
	if p.count(`[data-testid=ovo-unlink]`) != 0 || p.count(`[data-testid=ovo-pay-form]`) != 0 {
		t.Error("an unlinked account still offers unlink or a payment")
	}
	p.screenshot("64-ovo-unlinked")
}

// TestOVODokuBinding: DOKU's binding ends with the customer's browser
// returning to the dashboard, which confirms it with DOKU and says so.
func TestOVODokuBinding(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	p := newBrowser(t, ctx)
	p.openAndSignIn(finance)
	p.open("/ovo-accounts/new")
	p.typeInto(`[data-testid=field-cust_name] input`, "Dewi Lestari")
	p.typeInto(`[data-testid=field-phone_no] input`, "+62 857 0000 4455")
	p.choose(`[data-testid=field-provider] select`, "DOKU (SNAP OVO)", "doku")
	p.click(`[data-testid=link-submit]`)
	p.waitVisible(`[data-testid=ovo-redirect-url]`)
	account := p.location().Path
	p.confirmOnOVO(p.text(`[data-testid=ovo-redirect-url] code`))
	p.waitVisible(`[data-testid=page-ovo-return]`)
	if got := p.text(`[data-testid=ovo-return-message]`); !strings.Contains(got, "linked") {
		t.Errorf("the customer's return page says %q", got)
	}
	p.screenshot("65-ovo-doku-return")
	p.open(account)
	if got := p.text(`[data-testid=ovo-state] [data-testid=badge]`); got != "Linked" {
		t.Errorf("the DOKU account is %q after the binding", got)
	}
	if got := p.text(`[data-testid=ovo-cash]`); got != "Rp 1.000.000" {
		t.Errorf("DOKU balance = %q", got)
	}
}
