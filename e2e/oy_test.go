//go:build browser

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The new-disbursement form's controls.
const (
	disbBank    = `[data-testid=field-recipient_bank] select`
	disbAccount = `[data-testid=field-recipient_account] input`
	disbAmount  = `[data-testid=field-amount] input`
)

// A BCA account the OY sandbox answers like a normal one: the inquiry
// returns a name, the remit is accepted as processing and the status
// becomes success after the settle delay, with a callback (docs/providers/oy.md).
const (
	bcaLabel   = "Bank BCA (014)"
	bcaCode    = "014"
	okAccount  = "0123456789"
	okAmount   = "1.250.000"
	okAmountRp = "Rp 1.250.000"
)

// settleLimit is how long a remit may take to become Success: the
// sandbox's settle delay (about 3 s in `dashboard serve`) plus the
// callback and its processing, with room to spare.
const settleLimit = 20 * time.Second

// openNewDisbursement goes from the list to the empty form through the
// "New disbursement" button.
func (p *tab) openNewDisbursement() {
	p.t.Helper()
	p.click(`[data-testid="nav-/disbursements"]`)
	p.waitVisible(`[data-testid=page-disbursements]`)
	p.click(`[data-testid=new-disbursement]`)
	p.waitVisible(`[data-testid=page-disbursement-new]`)
	if got := p.location().Path; got != "/disbursements/new" {
		p.fatal("the New disbursement button leads to %s, want /disbursements/new", got)
	}
}

// tick clicks a checkbox (no page load) and checks that it is ticked.
func (p *tab) tick(sel string) {
	p.t.Helper()
	p.do("tick "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	js := fmt.Sprintf(`document.querySelector(%q).checked`, sel)
	if !get(p, "read "+sel, chromedp.Evaluate[bool](js)) {
		p.fatal("%s is not ticked after clicking it", sel)
	}
}

// statusLabel is the status badge of the disbursement detail page.
func (p *tab) statusLabel() string {
	p.t.Helper()
	return p.text(`[data-testid=page-disbursement-detail] [data-testid=status] [data-testid=badge]`)
}

// TestDisbursementFormErrors: a too-small amount and an account with
// letters are shown beside their fields, and what was typed is kept.
func TestDisbursementFormErrors(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(finance)
	p.openNewDisbursement()

	p.choose(disbBank, bcaLabel, bcaCode)
	p.typeInto(disbAccount, "12ab")
	p.typeInto(disbAmount, "5000")
	resp := p.click(`[data-testid=inquire]`)
	if resp.Status != 422 {
		t.Errorf("the invalid form answers %d, want 422", resp.Status)
	}
	p.waitVisible(`[data-testid=page-disbursement-new]`)
	if got, want := p.text(`[data-testid=field-amount] [data-testid=error-amount]`), "OY's smallest transfer is Rp 10.000."; got != want {
		t.Errorf("amount error = %q, want %q", got, want)
	}
	if got, want := p.text(`[data-testid=field-recipient_account] [data-testid=error-recipient_account]`), "Use digits only: no spaces, dots or dashes."; got != want {
		t.Errorf("account error = %q, want %q", got, want)
	}
	for _, f := range []string{"recipient_bank", "note", "email"} {
		if n := p.count(`[data-testid=error-` + f + `]`); n != 0 {
			t.Errorf("the %s field shows an error although it was right", f)
		}
	}
	if n := p.count(`[data-testid=page-disbursement-confirm]`); n != 0 {
		t.Errorf("the invalid form went on to the confirmation page")
	}
	for sel, want := range map[string]string{disbBank: bcaCode, disbAccount: "12ab", disbAmount: "5000"} {
		if got := p.value(sel); got != want {
			t.Errorf("%s holds %q after the errors, want %q", sel, got, want)
		}
	}
	p.screenshot("10-disbursement-new-errors")
}

// TestDisbursementApprovedToSuccess: finance checks an account and sends
// the disbursement for approval without being able to approve it; an
// admin approves it in another browser context and, after OY's callback,
// the detail page shows Success with its timeline. The callback is then in
// the callback log with its pretty-printed body and a processing attempt.
func TestDisbursementApprovedToSuccess(t *testing.T) {
	// Longer than testContext: two sign-ins, the settle wait and the callback log.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	p := newBrowser(t, ctx)
	p.openAndSignIn(finance)
	p.openNewDisbursement()

	// Step 1: the form.
	p.choose(disbBank, bcaLabel, bcaCode)
	p.typeInto(disbAccount, okAccount)
	p.typeInto(disbAmount, okAmount)
	resp := p.click(`[data-testid=inquire]`)
	if resp.Status != 200 {
		t.Errorf("checking the account answers %d, want 200", resp.Status)
	}

	// Step 2: the name the bank returned.
	p.waitVisible(`[data-testid=page-disbursement-confirm]`)
	recipient := p.text(`[data-testid=recipient-name]`)
	if recipient == "" {
		p.fatal("the confirmation page shows no recipient name")
	}
	facts := p.text(`[data-testid=page-disbursement-confirm] dl.facts`)
	for _, want := range []string{okAccount, okAmountRp, "Bank BCA", bcaCode} {
		if !strings.Contains(facts, want) {
			t.Errorf("the confirmation page does not show %q:\n%s", want, indent(facts))
		}
	}
	p.screenshot("11-disbursement-confirm")
	p.tick(`[data-testid=confirm-name]`)
	resp = p.click(`[data-testid=submit-for-approval]`)
	if resp.Status != 200 {
		t.Errorf("sending for approval ends with status %d, want 200", resp.Status)
	}

	// Step 3: the detail page, waiting for someone else.
	p.waitVisible(`[data-testid=page-disbursement-detail]`)
	detail := p.location().Path
	if !regexp.MustCompile(`^/disbursements/[0-9]+$`).MatchString(detail) {
		p.fatal("after sending for approval the browser is at %s, want /disbursements/{id}", detail)
	}
	if got, want := p.text(`[data-testid=flash]`), "Sent for approval. Another finance or admin user must approve it before any money moves."; got != want {
		t.Errorf("flash = %q, want %q", got, want)
	}
	if got := p.statusLabel(); got != "Waiting approval" {
		t.Errorf("status after sending for approval = %q, want Waiting approval", got)
	}
	if n := p.count(`[data-testid=approve]`); n != 0 {
		t.Errorf("the maker (finance) is offered the approve button on their own disbursement")
	}
	if why := p.text(`[data-testid=why-not]`); why == "" {
		t.Errorf("the maker is not told why they cannot approve")
	}
	ref := p.text(`[data-testid=page-disbursement-detail] .page-head .mono`)
	if ref == "" {
		p.fatal("the detail page shows no reference (partner_trx_id)")
	}
	t.Logf("disbursement %s, ref %s, to %q", detail, ref, recipient)

	// The admin approves in a browser context without finance's cookies.
	q := p.freshContext()
	q.openAndSignIn(admin)
	q.open(detail)
	q.waitVisible(`[data-testid=page-disbursement-detail]`)
	if got := q.statusLabel(); got != "Waiting approval" {
		t.Errorf("the admin sees status %q, want Waiting approval", got)
	}
	// The approver sees OY's balance read just now, and confirms the amount,
	// the account and the name the bank returned before anything is sent.
	if got := q.text(`[data-testid=approval-balance-value]`); !strings.HasPrefix(got, "Rp ") {
		t.Errorf("the approver is not shown OY's balance read now: %q", got)
	}
	confirm := q.text(`[data-testid=approve-form] label`)
	for _, want := range []string{okAmountRp, okAccount, recipient} {
		if !strings.Contains(confirm, want) {
			t.Errorf("the approval confirmation does not name %q: %q", want, confirm)
		}
	}
	q.screenshot("12-disbursement-approve")
	q.tick(`[data-testid=approve-confirm]`)
	resp = q.click(`[data-testid=approve]`)
	if resp.Status != 200 {
		t.Errorf("approving ends with status %d, want 200", resp.Status)
	}
	q.waitVisible(`[data-testid=page-disbursement-detail]`)
	if got := q.text(`[data-testid=flash]`); !strings.HasPrefix(got, "Approved. Status now: ") {
		t.Errorf("flash after approving = %q, want it to start with %q", got, "Approved. Status now: ")
	}
	if n := q.count(`[data-testid=approve]`); n != 0 {
		t.Errorf("the approve button is still there after approving")
	}

	// OY settles and calls back; reload once a second until Success.
	start := time.Now()
	status := q.statusLabel()
	for status != "Success" {
		if time.Since(start) > settleLimit {
			q.fatal("status is still %q %s after approving, want Success", status, settleLimit)
		}
		time.Sleep(time.Second)
		q.open(detail)
		q.waitVisible(`[data-testid=page-disbursement-detail]`)
		status = q.statusLabel()
	}
	t.Logf("Success %.1f s after approving", time.Since(start).Seconds())
	timeline := q.visibleTexts(`[data-testid=timeline] [data-testid=timeline-row]`)
	if len(timeline) < 3 {
		t.Errorf("the timeline has %d rows after success, want several (created, approved, sent, success):\n%s",
			len(timeline), indent(strings.Join(timeline, "\n")))
	}
	q.screenshot("12-disbursement-success")

	// The list shows it as Success.
	q.click(`[data-testid="nav-/disbursements"]`)
	q.waitVisible(`[data-testid=disbursement-table]`)
	found := false
	for _, r := range q.visibleTexts(`[data-testid=disbursement-row]`) {
		if strings.Contains(r, ref) && strings.Contains(r, "Success") && strings.Contains(r, okAmountRp) && strings.Contains(r, okAccount) {
			found = true
		}
	}
	if !found {
		t.Errorf("the disbursement list has no Success row for %s, %s to %s", ref, okAmountRp, okAccount)
	}
	q.screenshot("13-disbursements-list")

	// The callback that made it Success is in the callback log.
	q.click(`[data-testid="nav-/callback-log"]`)
	q.waitVisible(`[data-testid=page-callback-log]`)
	if n := q.count(`[data-testid=callback-table] [data-testid=callback-row]`); n == 0 {
		q.fatal("the callback log lists no callback after a disbursement succeeded")
	}
	js := fmt.Sprintf(`(Array.from(document.querySelectorAll('[data-testid=callback-row]'))
		.find(r => r.innerText.includes(%q)) || {querySelector: () => null})
		.querySelector('td a')?.getAttribute('href') || ""`, ref)
	href := get(q, "find the callback row of "+ref, chromedp.Evaluate[string](js))
	if href == "" {
		q.fatal("no callback-row mentions the reference %s", ref)
	}
	q.screenshot("14-callback-log")
	resp = q.click(fmt.Sprintf(`[data-testid=callback-row] td a[href=%q]`, href))
	if resp.Status != 200 {
		t.Errorf("opening %s answers %d, want 200", href, resp.Status)
	}
	q.waitVisible(`[data-testid=page-callback-detail]`)
	if got := q.location().Path; got != href {
		t.Errorf("the id link leads to %s, want %s", got, href)
	}
	body := get(q, "read the callback body", chromedp.Evaluate[string](`document.querySelector('[data-testid=callback-body]').textContent`))
	if !strings.Contains(body, ref) {
		t.Errorf("the callback body does not mention %s:\n%s", ref, indent(body))
	}
	// Pretty-printed JSON: one field a line, indented.
	if !strings.HasPrefix(strings.TrimSpace(body), "{") || !regexp.MustCompile(`\n[ \t]+"partner_trx_id"`).MatchString(body) {
		t.Errorf("the callback body is not pretty-printed JSON:\n%s", indent(body))
	}
	if n := q.count(`[data-testid=attempts] tbody tr`); n < 1 {
		t.Errorf("the callback detail lists %d processing attempts, want at least one", n)
	}
	q.screenshot("15-callback-detail")
}

// TestBalanceRefresh: reading the balance now adds a reading, shown as
// cards, in the history and in the chart.
func TestBalanceRefresh(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(admin)
	p.click(`[data-testid="nav-/balance"]`)
	p.waitVisible(`[data-testid=page-balance]`)
	before := p.count(`[data-testid=balance-history] tbody tr`)

	// Two readings, so the chart has a line rather than a point.
	for i := range 2 {
		resp := p.click(`[data-testid=refresh-balance]`)
		if resp.Status != 200 {
			t.Errorf("reading the balance ends with status %d, want 200", resp.Status)
		}
		p.waitVisible(`[data-testid=page-balance]`)
		if got := p.location().Path; got != "/balance" {
			t.Errorf("after reading the balance the browser is at %s, want /balance", got)
		}
		flash := p.text(`[data-testid=flash]`)
		if !strings.HasPrefix(flash, "Balance read: Rp ") {
			p.fatal("flash after reading the balance = %q, want Balance read: Rp …", flash)
		}
		if i == 0 {
			p.waitVisible(`[data-testid=balance-cards]`)
			available := p.text(`[data-testid=balance-cards] .card:first-child .value`)
			if !strings.Contains(flash, available+" available") {
				t.Errorf("the flash %q does not match the Available card %q", flash, available)
			}
		}
	}

	// innerText follows the CSS (the labels are shown in capitals).
	labels := p.visibleTexts(`[data-testid=balance-cards] .card .label`)
	if want := []string{"Available", "Balance", "Pending", "Overdraft", "Overbooking"}; !strings.EqualFold(strings.Join(labels, ","), strings.Join(want, ",")) {
		t.Errorf("balance cards = %q, want %q", labels, want)
	}
	for _, v := range p.visibleTexts(`[data-testid=balance-cards] .card .value`) {
		if !strings.HasPrefix(v, "Rp ") && !strings.HasPrefix(v, "-Rp ") {
			t.Errorf("balance card value %q is not in rupiah", v)
		}
	}
	p.waitVisible(`[data-testid=balance-chart]`)
	points := get(p, "read the chart", chromedp.Evaluate[string](
		`document.querySelector('[data-testid=balance-chart] polyline')?.getAttribute('points') || ""`))
	if n := len(strings.Fields(points)); n < 2 {
		t.Errorf("the balance chart has %d points after two readings, want at least 2", n)
	}
	if after := p.count(`[data-testid=balance-history] tbody tr`); after != before+2 {
		t.Errorf("the readings table has %d rows after two readings, had %d before", after, before)
	}
	p.screenshot("16-balance")
}

// TestSettingsThresholds: the admin sees the four providers and saves the
// thresholds; a threshold that is not a number is refused beside its field.
func TestSettingsThresholds(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(admin)
	p.click(`[data-testid="nav-/settings"]`)
	p.waitVisible(`[data-testid=page-settings]`)

	providers := p.visibleTexts(`[data-testid=provider-settings] h2`)
	if len(providers) != 4 {
		t.Errorf("settings show %d provider sections, want 4: %q", len(providers), providers)
	}
	for i, name := range []string{"OY! Indonesia", "Faspay OVO Tokenize", "DOKU SNAP OVO", "Ayopop"} {
		if i < len(providers) && !strings.Contains(providers[i], name) {
			t.Errorf("provider section %d is %q, want %s", i+1, providers[i], name)
		}
		if i < len(providers) && !strings.Contains(providers[i], "Built-in sandbox") {
			t.Errorf("provider section %q does not say it is the built-in sandbox", providers[i])
		}
	}

	const (
		low  = `[data-testid=field-low_balance] input`
		dual = `[data-testid=field-dual_approval_above] input`
	)
	oldDual := p.value(dual)
	p.clearField(low)
	p.typeInto(low, "abc")
	resp := p.click(`[data-testid=settings-save]`)
	if resp.Status != 422 {
		t.Errorf("saving a threshold of abc answers %d, want 422", resp.Status)
	}
	p.waitVisible(`[data-testid=page-settings]`)
	if got, want := p.text(`[data-testid=field-low_balance] [data-testid=error-low_balance]`), "Use whole rupiah, like 10.000.000."; got != want {
		t.Errorf("low-balance error = %q, want %q", got, want)
	}
	if n := p.count(`[data-testid=error-dual_approval_above]`); n != 0 {
		t.Errorf("the two-approvals field shows an error although it was right")
	}
	if got := p.value(low); got != "abc" {
		t.Errorf("the low-balance field holds %q after the error, want what was typed", got)
	}
	if got := p.value(dual); got != oldDual {
		t.Errorf("the two-approvals field holds %q after the error, want %q", got, oldDual)
	}
	p.screenshot("17-settings-error")

	// Values that leave the other tests alone: the low-balance warning stays
	// under the sandbox's balance, and a Rp 1.250.000 transfer needs one approval.
	p.clearField(low)
	p.typeInto(low, "20.000.000")
	p.clearField(dual)
	p.typeInto(dual, "75.000.000")
	resp = p.click(`[data-testid=settings-save]`)
	if resp.Status != 200 {
		t.Errorf("saving the thresholds ends with status %d, want 200", resp.Status)
	}
	p.waitVisible(`[data-testid=page-settings]`)
	if got, want := p.text(`[data-testid=flash]`), "Low-balance warning saved. The two-approval threshold changes when a different admin approves it."; got != want {
		t.Errorf("flash = %q, want %q", got, want)
	}
	digits := func(s string) string { return strings.ReplaceAll(s, ".", "") }
	if got := p.value(low); digits(got) != "20000000" {
		t.Errorf("the low-balance threshold reads %q after saving, want 20.000.000", got)
	}
	// The two-approval threshold moves money rules: it waits for a different admin.
	if got := p.value(dual); got != oldDual {
		t.Errorf("the two-approvals threshold reads %q before any approval, want %q", got, oldDual)
	}
	if got := p.text(`[data-testid=pending-changes]`); !strings.Contains(got, "Rp 75.000.000") {
		t.Errorf("the settings page does not show the waiting threshold change: %q", got)
	}
	p.screenshot("18-settings")

	r := p.freshContext()
	r.openAndSignIn(admin2)
	r.open("/settings")
	r.click(`[data-testid=pending-change] a`)
	r.waitVisible(`[data-testid=page-change-request]`)
	if resp := r.click(`[data-testid=change-approve]`); resp.Status != 200 {
		t.Errorf("approving the threshold answers %d, want 200 after the redirect", resp.Status)
	}
	r.waitVisible(`[data-testid=change-status]`)
	if got := r.text(`[data-testid=change-status]`); got != "Approved and applied" {
		t.Errorf("status after approval = %q", got)
	}
	p.open("/settings")
	p.waitVisible(`[data-testid=page-settings]`)
	if got := p.value(dual); digits(got) != "75000000" {
		t.Errorf("the two-approvals threshold reads %q after the approval, want 75.000.000", got)
	}
	if n := p.count(`[data-testid=pending-changes]`); n != 0 {
		t.Errorf("the approved change is still shown as waiting")
	}
}
