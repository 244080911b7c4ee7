//go:build browser

package e2e

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// viewportWidths are the narrowest phone, a common phone, a small laptop, a
// desktop and a wide screen.
var viewportWidths = []int64{360, 390, 1024, 1440, 1920}

// staffGETRoute matches a row of the route table in internal/handlers/routes.go.
var staffGETRoute = regexp.MustCompile(`\{Method: "GET", Path: "([^"]+)", Access: staff`)

// pagesWithoutParameters reads the route table's source, so a page added
// there is checked here without anyone remembering to list it.
func pagesWithoutParameters(t *testing.T) []string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "internal", "handlers", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range staffGETRoute.FindAllStringSubmatch(string(src), -1) {
		// A path with a parameter needs a record; one ending in a file
		// extension is a download (the sample bulk files), not a page.
		if !strings.ContainsAny(m[1], ":*") && path.Ext(m[1]) == "" {
			out = append(out, m[1])
		}
	}
	if len(out) < 15 {
		t.Fatalf("found only %d staff pages in routes.go; has the table's shape changed? %v", len(out), out)
	}
	return out
}

// detailLinkPattern finds, on a list page, a link to one record of it.
var detailLinkPattern = map[string]*regexp.Regexp{
	"/disbursements":         regexp.MustCompile(`^/disbursements/\d+$`),
	"/disbursements/batches": regexp.MustCompile(`^/disbursements/batches/\d+$`),
	"/callback-log":          regexp.MustCompile(`^/callback-log/\d+$`),
	"/virtual-accounts":      regexp.MustCompile(`^/virtual-accounts/\d+$`),
	"/payment-links":         regexp.MustCompile(`^/payment-links/\d+$`),
	"/invoices":              regexp.MustCompile(`^/invoices/\d+$`),
	"/ovo-accounts":          regexp.MustCompile(`^/ovo-accounts/\d+$`),
	"/ovo-topups":            regexp.MustCompile(`^/ovo-topups/\d+$`),
	"/users":                 regexp.MustCompile(`^/users/\d+$`),
	"/change-requests":       regexp.MustCompile(`^/change-requests/\d+$`),
}

// pageWidth is how wide the document is and how wide the window is.
type pageWidth struct {
	Scroll int64 `json:"scroll"`
	Inner  int64 `json:"inner"`
	// Widest names the element that sticks out furthest, for the message.
	Widest string `json:"widest"`
}

const measureWidth = `(() => {
	const inner = window.innerWidth;
	let widest = "", right = inner;
	// An element inside a box that scrolls or clips sideways cannot widen the page.
	const clipped = e => {
		for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
			if (getComputedStyle(a).overflowX !== "visible") return true;
		}
		return false;
	};
	for (const e of document.body.querySelectorAll("*")) {
		const r = e.getBoundingClientRect().right + window.scrollX;
		if (r > right + 0.5 && clipped(e)) continue;
		if (r > right + 0.5) {
			right = r;
			widest = e.tagName.toLowerCase() + (e.dataset.testid ? "[data-testid=" + e.dataset.testid + "]" : "") +
				(e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") +
				" right edge at " + Math.round(r) + " px";
		}
	}
	return {scroll: document.documentElement.scrollWidth, inner: inner, widest: widest};
})()`

// TestNoPageIsWiderThanTheWindow signs in as an admin and loads every page
// of the route table (plus one record of each list that has any) at
// phone, laptop, desktop and wide-screen widths; a document wider than
// the window fails the test with the element that sticks out.
func TestNoPageIsWiderThanTheWindow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	t.Cleanup(cancel)
	p := newBrowser(t, ctx)
	p.openAndSignIn(admin)
	makeRecordsWithLongText(t, p)

	pages := pagesAndRecords(t, p)

	for _, w := range viewportWidths {
		p.do(fmt.Sprintf("set the viewport to %d px", w), chromedp.EmulateViewport(w, 860))
		for _, path := range pages {
			resp := p.open(path)
			if resp.Status != 200 {
				t.Errorf("%s answered %d at %d px", path, resp.Status, w)
				continue
			}
			got := get(p, "measure "+path, chromedp.Evaluate[pageWidth](measureWidth))
			if got.Inner != w {
				p.fatal("the window is %d px wide, want %d", got.Inner, w)
			}
			if got.Scroll > got.Inner {
				t.Errorf("%s at %d px: the document is %d px wide (%s)", path, w, got.Scroll, got.Widest)
			}
			if name, ok := viewportShots[path]; ok && (w == 390 || w == 1024 || w == 1440) {
				p.viewportShot(fmt.Sprintf("viewport-%s-%d", name, w))
			}
			if strings.HasPrefix(path, "/disbursements/") && (w == 390 || w == 1440) && p.count(`[data-testid=page-disbursement-detail]`) == 1 {
				p.viewportShot(fmt.Sprintf("viewport-disbursement-detail-%d", w))
			}
		}
	}

	// Signed out: the sign-in page.
	q := p.freshContext()
	for _, w := range viewportWidths {
		q.do("set the viewport", chromedp.EmulateViewport(w, 860))
		q.open("/login")
		if got := get(q, "measure /login", chromedp.Evaluate[pageWidth](measureWidth)); got.Scroll > got.Inner {
			t.Errorf("/login at %d px: the document is %d px wide (%s)", w, got.Scroll, got.Widest)
		}
	}
}

// pagesAndRecords is every page of the route table that needs no record,
// then one record page of each list that has a record.
func pagesAndRecords(t *testing.T, p *tab) []string {
	t.Helper()
	pages := pagesWithoutParameters(t)
	seen := map[string]bool{}
	for _, path := range pages {
		seen[path] = true
	}
	var details []string
	lists := make([]string, 0, len(detailLinkPattern))
	for l := range detailLinkPattern {
		lists = append(lists, l)
	}
	sort.Strings(lists)
	for _, list := range lists {
		p.open(list)
		hrefs := get(p, "links on "+list, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll("main a[href]")).map(a => a.getAttribute("href"))`))
		for _, h := range hrefs {
			if detailLinkPattern[list].MatchString(h) && !seen[h] {
				seen[h] = true
				details = append(details, h)
				break
			}
		}
	}
	t.Logf("%d pages from the route table, %d record pages: %v", len(pages), len(details), details)
	return append(pages, details...)
}

// longUnbroken is text without a place to break: a pasted reference or a
// note typed without spaces, which once widened a page to 2,610 px.
func longUnbroken(prefix string, n int) string {
	return prefix + strings.Repeat("X", n-len(prefix))
}

// makeRecordsWithLongText creates, through the forms and a provider
// callback, a disbursement with a 255-character unbroken note and a
// callback with a 120-character reference, so their pages have something
// long to wrap.
func makeRecordsWithLongText(t *testing.T, p *tab) {
	t.Helper()
	ref := longUnbroken(fmt.Sprintf("VW%d", time.Now().UnixNano()%1_000_000_000), 120)
	body := fmt.Sprintf(`{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_bank":"014","recipient_account":"0012345678","trx_id":"T%s","partner_trx_id":"%s","timestamp":"01-12-2026 10:34:23"}`, ref, ref)
	if got := sendCallback(t, "/callbacks/oy/disbursement?token="+oyCallbackToken, "application/json", body); got != 200 {
		t.Fatalf("the callback answered %d", got)
	}

	p.openNewDisbursement()
	p.choose(disbBank, bcaLabel, bcaCode)
	p.typeInto(disbAccount, okAccount)
	p.typeInto(disbAmount, okAmount)
	p.typeInto(`[data-testid=field-note] input`, longUnbroken("NOTE", 255))
	if resp := p.click(`[data-testid=inquire]`); resp.Status != 200 {
		p.fatal("checking the account answered %d", resp.Status)
	}
	p.waitVisible(`[data-testid=page-disbursement-confirm]`)
	p.tick(`[data-testid=confirm-name]`)
	if resp := p.click(`[data-testid=submit-for-approval]`); resp.Status != 200 {
		p.fatal("sending for approval answered %d", resp.Status)
	}
	p.waitVisible(`[data-testid=page-disbursement-detail]`)
}

// viewportShots names the pages photographed at each width.
var viewportShots = map[string]string{
	"/":              "overview",
	"/disbursements": "disbursements",
	"/callback-log":  "callback-log",
	"/balance":       "balance",
	"/ovo-topups":    "ovo-topups",
}

// viewportShot saves a full-page PNG at the current viewport width (the
// shared screenshot helper expects a desktop width).
func (p *tab) viewportShot(name string) {
	p.t.Helper()
	buf := get(p, "screenshot "+name, chromedp.FullScreenshot(100))
	dir := shotDir
	if dir == "" {
		dir = p.t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		p.t.Fatalf("save screenshot: %v", err)
	}
}

// TestNarrowScreenFoldsTheNavigation: at 390 px the navigation hides
// behind a menu button that opens it; at 1440 px it is always shown. The
// current page is marked for screen readers, and a skip link comes first.
func TestNarrowScreenFoldsTheNavigation(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(admin)

	visible := func(sel string) bool {
		return get(p, "is "+sel+" visible", chromedp.Evaluate[bool](fmt.Sprintf(
			`(() => { const e = document.querySelector(%q); return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden"; })()`, sel)))
	}

	p.do("narrow the window", chromedp.EmulateViewport(390, 800))
	p.open("/disbursements")
	if visible(`[data-testid=nav]`) {
		t.Error("at 390 px the navigation is shown before the menu button is pressed")
	}
	if !visible(`[data-testid=menu-button]`) {
		p.fatal("at 390 px there is no menu button")
	}
	if got := p.attr(`[data-testid=menu-button]`, "aria-expanded"); got != "false" {
		t.Errorf("closed menu button has aria-expanded=%q", got)
	}
	p.do("press the menu button", chromedp.Click(chromedp.CSS(`[data-testid=menu-button]`), chromedp.NodeVisible))
	p.waitVisible(`[data-testid="nav-/disbursements"]`)
	if got := p.attr(`[data-testid=menu-button]`, "aria-expanded"); got != "true" {
		t.Errorf("open menu button has aria-expanded=%q", got)
	}
	p.viewportShot("viewport-menu-open-390")
	// A link of the open menu leads to its page.
	p.click(`[data-testid="nav-/balance"]`)
	p.waitVisible(`[data-testid=page-balance]`)
	if got := p.location().Path; got != "/balance" {
		t.Errorf("the menu's Balance link led to %s", got)
	}

	p.do("widen the window", chromedp.EmulateViewport(1440, 900))
	p.open("/disbursements")
	if visible(`[data-testid=menu-button]`) {
		t.Error("at 1440 px the menu button is shown")
	}
	if !visible(`[data-testid=nav]`) {
		t.Error("at 1440 px the navigation is hidden")
	}
	current := get(p, "items marked current", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('[data-testid=nav] [aria-current=page]')).map(a => a.getAttribute("href"))`))
	if len(current) != 1 || current[0] != "/disbursements" {
		t.Errorf("navigation items with aria-current=page: %v, want only /disbursements", current)
	}

	// The first Tab reaches the skip link, and following it moves focus to the page.
	p.do("press Tab", chromedp.KeyEvent(kb.Tab))
	if got := get(p, "focused element", chromedp.Evaluate[string](`document.activeElement.dataset.testid || ""`)); got != "skip-link" {
		t.Fatalf("the first Tab focuses %q, want the skip link", got)
	}
	if !visible(`[data-testid=skip-link]`) {
		t.Error("the focused skip link is not visible")
	}
	p.do("follow the skip link", chromedp.KeyEvent(kb.Enter))
	if got := get(p, "focused element", chromedp.Evaluate[string](`document.activeElement.id`)); got != "main" {
		t.Errorf("after the skip link the focus is on #%s, want #main", got)
	}
}
