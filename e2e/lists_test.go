//go:build browser

package e2e

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// download fetches a link of the page with the page's own cookies and
// reports the status, content type and body length in lines.
func (p *tab) download(href string) (status int, contentType string, lines int) {
	p.t.Helper()
	js := fmt.Sprintf(`(() => { const x = new XMLHttpRequest(); x.open('GET', %q, false); x.send();
		return [String(x.status), x.getResponseHeader('Content-Type') || '', String(x.responseText.trim().split('\n').length)]; })()`, href)
	r := get(p, "download "+href, chromedp.Evaluate[[]string](js))
	status, _ = strconv.Atoi(r[0])
	lines, _ = strconv.Atoi(r[2])
	return status, r[1], lines
}

func (p *tab) attr(sel, name string) string {
	p.t.Helper()
	js := fmt.Sprintf(`(document.querySelector(%q) || {getAttribute: () => ""}).getAttribute(%q) || ""`, sel, name)
	return get(p, "read "+name+" of "+sel, chromedp.Evaluate[string](js))
}

// TestCallbackLogPagesByReferencePrefix: a clerk types the first characters
// of a reference shared by 60 callbacks; the log shows 50, Older shows the
// other 10 with the search kept, Newer and First lead back; the status
// counts add up to 60; both exports offer exactly the filtered rows; an
// unreadable date answers 422 with the search still typed.
func TestCallbackLogPagesByReferencePrefix(t *testing.T) {
	prefix := fmt.Sprintf("LKPG%d", time.Now().UnixNano()%1_000_000_000)
	for i := range 60 {
		body := fmt.Sprintf(`{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_bank":"014","recipient_account":"0012345678","trx_id":"T%s-%d","partner_trx_id":"%s-%02d","timestamp":"01-12-2026 10:34:23"}`, prefix, i, prefix, i)
		if got := sendCallback(t, "/callbacks/oy/disbursement?token="+oyCallbackToken, "application/json", body); got != 200 {
			t.Fatalf("callback %d answered %d", i, got)
		}
	}

	p := newBrowser(t, testContext(t))
	p.openAndSignIn(auditor)
	p.click(`[data-testid="nav-/callback-log"]`)
	p.waitVisible(`[data-testid=page-callback-log]`)
	p.typeInto(`[data-testid=field-q] input`, prefix)
	p.click(`[data-testid=callback-filters] button[type=submit]`)
	p.waitVisible(`[data-testid=callback-table]`)

	// The worker processes them within moments; the counts follow.
	var unmatched string
	for deadline := time.Now().Add(15 * time.Second); ; {
		unmatched = p.text(`[data-testid=count-unmatched] [data-testid=count-value]`)
		if unmatched == "60" || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
		p.open(p.location().RequestURI())
	}
	if unmatched != "60" {
		p.fatal("the Unmatched count reads %q, want 60", unmatched)
	}
	first := p.callbackRows()
	if len(first) != 50 || p.count(`[data-testid=pager-newer]`) != 0 || p.count(`[data-testid=pager-first]`) != 0 {
		p.fatal("first page: %d rows, newer links %d", len(first), p.count(`[data-testid=pager-newer]`))
	}
	p.screenshot("30-callback-log-prefix-search")

	p.click(`[data-testid=pager-older]`)
	p.waitVisible(`[data-testid=callback-table]`)
	if rows := p.callbackRows(); len(rows) != 10 {
		p.fatal("the older page lists %d callbacks, want 10", len(rows))
	}
	if q := p.value(`[data-testid=field-q] input`); q != prefix {
		t.Errorf("on the older page the search box holds %q, want %q", q, prefix)
	}
	if p.location().Query().Get("before") == "" || p.count(`[data-testid=pager-older]`) != 0 {
		t.Errorf("the older page %s should be the last one", p.location())
	}

	p.click(`[data-testid=pager-newer]`)
	p.waitVisible(`[data-testid=callback-table]`)
	if rows := p.callbackRows(); len(rows) != 50 || rows[0].ID != first[0].ID {
		p.fatal("Newer lists %d rows starting at #%s, want 50 from #%s", len(rows), rows[0].ID, first[0].ID)
	}
	p.click(`[data-testid=pager-older]`)
	p.waitVisible(`[data-testid=pager-first]`)
	p.click(`[data-testid=pager-first]`)
	p.waitVisible(`[data-testid=callback-table]`)
	if loc := p.location().Query(); loc.Get("before") != "" || loc.Get("after") != "" || loc.Get("q") != prefix {
		t.Errorf("First leads to %s", p.location())
	}

	for _, format := range []string{"csv", "xlsx"} {
		href := p.attr(`[data-testid=export-`+format+`]`, "href")
		u, err := url.Parse(href)
		if err != nil || u.Query().Get("q") != prefix || u.Query().Get("format") != format {
			t.Errorf("the %s link %q does not carry the filters", format, href)
			continue
		}
		status, ctype, lines := p.download(href)
		if status != 200 {
			t.Errorf("%s export answered %d", format, status)
		}
		switch format {
		case "csv":
			if !strings.HasPrefix(ctype, "text/csv") || lines != 61 {
				t.Errorf("csv export: %q, %d lines, want a header and 60 rows", ctype, lines)
			}
		case "xlsx":
			if !strings.Contains(ctype, "spreadsheetml") {
				t.Errorf("xlsx export content type %q", ctype)
			}
		}
	}

	resp := p.open("/callback-log?from=1-12-2026&q=" + url.QueryEscape(prefix))
	if resp.Status != 422 {
		t.Errorf("an unreadable date answers %d, want 422", resp.Status)
	}
	if msg := p.text(`[data-testid=error-from]`); msg != "Use a date like 2026-11-21." {
		t.Errorf("beside the date: %q", msg)
	}
	if q := p.value(`[data-testid=field-q] input`); q != prefix {
		t.Errorf("after a bad date the search box holds %q, want %q", q, prefix)
	}
}
