//go:build browser

package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// oyCallbackToken is the ?token= secret the test server is started with
// (OY_CALLBACK_TOKEN), so the test can send OY callbacks as OY would.
const oyCallbackToken = "e2e-oy-callback-token-0123456789"

// sendCallback posts one callback to the running dashboard as a provider
// would and returns the status it answered.
func sendCallback(t *testing.T, path, contentType, body string) int {
	t.Helper()
	resp, err := http.Post(baseURL+path, contentType, bytes.NewBufferString(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// callbackRow is what a clerk reads in one row of the callback log.
type callbackRow struct {
	ID, Text, Reason, DuplicateOf string
}

func (p *tab) callbackRows() []callbackRow {
	p.t.Helper()
	js := `Array.from(document.querySelectorAll('[data-testid=callback-row]')).map(r => ({
		ID: r.querySelector('td a').textContent.trim(),
		Text: r.innerText,
		Reason: (r.querySelector('[data-testid=row-reason]') || {innerText: ""}).innerText.trim(),
		DuplicateOf: (r.querySelector('[data-testid=row-duplicate-of] a') || {innerText: ""}).innerText.trim(),
	}))`
	return get(p, "read the callback rows", chromedp.Evaluate[[]callbackRow](js))
}

// TestCallbackLogExplainsEachRequest: an auditor searches the log for a
// reference and sees, row by row, which callbacks were genuine, why the
// others were refused and which one repeats another; filters keep what
// was typed; a refused Faspay callback shows its XML body and the reason
// in words, with no replay for an auditor. An admin then processes the
// genuine one again, which adds an attempt and an audit entry.
func TestCallbackLogExplainsEachRequest(t *testing.T) {
	ref := fmt.Sprintf("E2ECB%d", time.Now().UnixNano()%1_000_000_000)
	oy := func(token string) string { return "/callbacks/oy/disbursement?token=" + token }
	good := fmt.Sprintf(`{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_bank":"014","recipient_account":"1234567890","trx_id":"T%s","partner_trx_id":%q,"timestamp":"01-12-2026 10:34:23"}`, ref, ref)
	sends := []struct {
		what, path, ctype, body string
		want                    int
	}{
		{"a genuine OY callback for an unknown disbursement", oy(oyCallbackToken), "application/json", good, 200},
		{"the same callback again", oy(oyCallbackToken), "application/json", good, 200},
		{"the callback with a wrong ?token=", oy("not-the-secret"), "application/json", good, 401},
		{"a Faspay notification with a wrong signature", "/callbacks/faspay/payment-notification", "application/xml",
			`<faspay><request>Payment Notification</request><trx_id>3100000000000001</trx_id><merchant_id>99999</merchant_id><bill_no>` + ref +
				`</bill_no><payment_status_code>2</payment_status_code><signature>0000</signature></faspay>`, 401},
	}
	for _, s := range sends {
		if got := sendCallback(t, s.path, s.ctype, s.body); got != s.want {
			t.Fatalf("%s answered %d, want %d", s.what, got, s.want)
		}
	}

	p := newBrowser(t, testContext(t))
	p.openAndSignIn(auditor)
	p.click(`[data-testid="nav-/callback-log"]`)
	p.waitVisible(`[data-testid=page-callback-log]`)
	p.typeInto(`[data-testid=field-q] input`, ref)
	p.click(`[data-testid=callback-filters] button[type=submit]`)
	p.waitVisible(`[data-testid=callback-table]`)

	// The worker processes the genuine one within moments; read until it has.
	var rows []callbackRow
	for deadline := time.Now().Add(10 * time.Second); ; {
		rows = p.callbackRows()
		if len(rows) == 4 && strings.Contains(rows[3].Text, "Unmatched") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
		p.open(p.location().RequestURI())
	}
	if len(rows) != 4 {
		p.fatal("searching %s lists %d callbacks, want the 4 sent:\n%+v", ref, len(rows), rows)
	}
	// Newest first: Faspay, wrong token, repeat, original.
	faspay, forged, repeat, original := rows[0], rows[1], rows[2], rows[3]
	if !strings.Contains(original.Text, "Verified") || !strings.Contains(original.Text, "Unmatched") {
		t.Errorf("the genuine callback's row should read Verified and Unmatched:\n%s", indent(original.Text))
	}
	if !strings.Contains(repeat.Text, "Duplicate") || repeat.DuplicateOf != "#"+original.ID {
		t.Errorf("the repeat's row should read Duplicate and point to #%s, it reads %q:\n%s", original.ID, repeat.DuplicateOf, indent(repeat.Text))
	}
	if !strings.Contains(forged.Text, "Not verified") || !strings.Contains(forged.Reason, "secret is wrong") {
		t.Errorf("the wrong-token row should say why it was refused, it says %q:\n%s", forged.Reason, indent(forged.Text))
	}
	if !strings.Contains(faspay.Text, "faspay") || !strings.Contains(strings.ToLower(faspay.Reason), "signature") {
		t.Errorf("the Faspay row should say its signature failed, it says %q:\n%s", faspay.Reason, indent(faspay.Text))
	}
	if n := p.count(`[data-testid=bulk-replay]`); n != 0 {
		t.Errorf("an auditor is offered bulk replay")
	}
	p.screenshot("19-callback-log-search")

	// Narrow to the refused ones: the search stays as typed.
	p.choose(`[data-testid=field-verified] select`, "Not verified", "no")
	p.click(`[data-testid=callback-filters] button[type=submit]`)
	p.waitVisible(`[data-testid=callback-table]`)
	if q := p.value(`[data-testid=field-q] input`); q != ref {
		t.Errorf("after filtering the search box holds %q, want %q", q, ref)
	}
	if u := p.location().Query(); u.Get("verified") != "no" || u.Get("q") != ref {
		t.Errorf("the filtered page is %s, want verified=no and q=%s", p.location().RequestURI(), ref)
	}
	rows = p.callbackRows()
	if len(rows) != 2 || rows[0].ID != faspay.ID || rows[1].ID != forged.ID {
		t.Errorf("Not verified lists %+v, want callbacks #%s and #%s", rows, faspay.ID, forged.ID)
	}

	// The Faspay one in detail: XML indented, the reason in words, no replay.
	p.click(fmt.Sprintf(`[data-testid=callback-row] td a[href="/callback-log/%s"]`, faspay.ID))
	p.waitVisible(`[data-testid=page-callback-detail]`)
	body := p.text(`[data-testid=callback-body]`)
	if !regexp.MustCompile(`\n[ \t]+<bill_no>` + ref + `</bill_no>`).MatchString(body) {
		t.Errorf("the Faspay body is not shown as indented XML:\n%s", indent(body))
	}
	if reason := p.text(`[data-testid=verify-reason]`); !strings.Contains(strings.ToLower(reason), "signature") {
		t.Errorf("the verification reason reads %q; it should name the signature", reason)
	}
	if proc := p.text(`[data-testid=processing]`); !strings.Contains(proc, "never processed") {
		t.Errorf("a refused callback's processing reads %q; it should say it is never processed", proc)
	}
	if n := p.count(`[data-testid=replay]`); n != 0 {
		t.Errorf("an auditor is offered Process again on a refused callback")
	}
	p.screenshot("20-callback-detail-refused")

	// An admin processes the genuine callback again.
	a := p.freshContext()
	a.openAndSignIn(admin)
	a.open("/callback-log/" + original.ID)
	a.waitVisible(`[data-testid=page-callback-detail]`)
	before := a.count(`[data-testid=attempts] tbody tr`)
	if before < 1 {
		a.fatal("the genuine callback shows %d processing attempts before the replay, want at least 1", before)
	}
	resp := a.click(`[data-testid=replay]`)
	if resp.Status != 200 {
		t.Errorf("Process again answered %d (after the redirect), want 200", resp.Status)
	}
	a.waitVisible(`[data-testid=flash]`)
	if msg := a.text(`[data-testid=flash]`); !strings.Contains(msg, "Processed again") || !strings.Contains(msg, "Unmatched") {
		t.Errorf("after Process again the page says %q", msg)
	}
	if after := a.count(`[data-testid=attempts] tbody tr`); after != before+1 {
		t.Errorf("Process again left %d attempts, want %d", after, before+1)
	}
	if by := a.visibleTexts(`[data-testid=attempts] tbody tr td:last-child`); !slices.ContainsFunc(by, func(s string) bool { return strings.Contains(s, admin.Email) }) {
		t.Errorf("no attempt is credited to %s's replay: %q", admin.Email, by)
	}
	a.screenshot("21-callback-detail-replayed")
	a.open("/audit-log")
	if audit := a.text(`main`); !strings.Contains(audit, "processed oy disbursement callback again") {
		t.Errorf("the audit log does not record the replay:\n%s", indent(audit))
	}
}
