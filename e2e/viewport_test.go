//go:build browser

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// viewportWidths are a phone, a small laptop and a desktop.
var viewportWidths = []int64{390, 1024, 1440}

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
		if !strings.ContainsAny(m[1], ":*") {
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
	for (const e of document.body.querySelectorAll("*")) {
		const r = e.getBoundingClientRect().right + window.scrollX;
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
// of the route table (plus one record of each list that has any) at a
// phone's, a small laptop's and a desktop's width; a document wider than
// the window fails the test with the element that sticks out.
func TestNoPageIsWiderThanTheWindow(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(admin)

	pages := pagesWithoutParameters(t)
	// One record of each list, where the list has one.
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
	pages = append(pages, details...)

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
