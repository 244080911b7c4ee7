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

	"backoffice/internal/i18n"
)

// shotName turns a path into a file name: /disbursements/batches/3 →
// disbursements-batches-record.
func shotName(path string) string {
	if path == "/" {
		return "overview"
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			parts[i] = "record"
		}
	}
	return strings.Join(parts, "-")
}

// rawKeysOnPage is what a person reads on the page (text, labels read
// aloud, titles, placeholders) checked for catalogue keys shown raw.
const pageWords = `(() => {
	const out = [document.body.innerText, document.title];
	for (const e of document.querySelectorAll("[aria-label],[title],[placeholder],[alt]")) {
		for (const a of ["aria-label", "title", "placeholder", "alt"]) {
			if (e.hasAttribute(a)) out.push(e.getAttribute(a));
		}
	}
	return out.join("\n");
})()`

// englishLabelsJS lists the dashboard's own words on the page (headings,
// labels, buttons, headers, badges, hints) that hold an English tell;
// records and quoted provider words are not looked at.
func englishLabelsJS() string {
	return fmt.Sprintf(`(() => {
	const tell = new RegExp(%q);
	const out = [];
	for (const e of document.querySelectorAll(%q)) {
		if (e.closest("[data-record], .mono, code, pre, td")) continue;
		const text = e.textContent.replace(/\s+/g, " ").trim();
		const m = text.match(tell);
		if (m) out.push(m[0] + " in " + e.tagName.toLowerCase() + ": " + text);
	}
	return out;
})()`, i18n.EnglishTells.String(), labelSelector)
}

// labelSelector matches internal/handlers' test of the same name.
const labelSelector = "h1, h2, h3, label, button, th, legend, .badge, .hint, .empty, .muted, .flash, a.button, title, nav a, .group"

// switchLanguage presses the header's toggle and waits for the page in
// that language.
func (p *tab) switchLanguage(l i18n.Lang) {
	p.t.Helper()
	if resp := p.click(`[data-testid=lang-` + string(l) + `]`); resp.Status != 200 {
		p.fatal("the language toggle answered %d", resp.Status)
	}
	if got := get(p, "html lang", chromedp.Evaluate[string](`document.documentElement.lang`)); got != l.HTMLTag() {
		p.fatal("after choosing %s the page says lang=%q", l.Name(), got)
	}
}

// TestEveryPageInBothLanguages runs last (go test runs files in name order,
// hence zz_): by then the other tests have made a record of every kind, so
// every record page is photographed too. It switches the header's toggle to each
// language and opens every page (record pages included) at 390 and 1440
// px: the page is in that language, shows no raw catalogue key and is no
// wider than the window. With E2E_SCREENSHOTS set (make screenshots) each
// page is kept as lang-<language>-<width>-<page>.png.
func TestEveryPageInBothLanguages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Second)
	t.Cleanup(cancel)
	p := newBrowser(t, ctx)
	p.openAndSignIn(admin)
	pages := pagesAndRecords(t, p)
	// The choice is kept for the person: put admin back in English for the tests after this one.
	t.Cleanup(func() { p.open("/"); p.switchLanguage(i18n.EN) })

	rawKey := regexp.MustCompile(`\b(?:` + strings.Join(i18n.Areas(), "|") + `)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*\b`)
	// A word of the other language's header proves the page really changed.
	signOut := map[i18n.Lang]string{i18n.ID: i18n.In(i18n.ID, "layout.sign_out"), i18n.EN: i18n.In(i18n.EN, "layout.sign_out")}

	for _, l := range []i18n.Lang{i18n.ID, i18n.EN} {
		p.do("desktop width", chromedp.EmulateViewport(1440, 860))
		p.open("/")
		p.switchLanguage(l)
		for _, w := range []int64{390, 1440} {
			p.do(fmt.Sprintf("set the viewport to %d px", w), chromedp.EmulateViewport(w, 860))
			for _, path := range pages {
				resp := p.open(path)
				if resp.Status != 200 {
					t.Errorf("%s in %s answered %d at %d px", path, l, resp.Status, w)
					continue
				}
				if got := get(p, "html lang", chromedp.Evaluate[string](`document.documentElement.lang`)); got != l.HTMLTag() {
					t.Errorf("%s: lang=%q, want %q", path, got, l.HTMLTag())
				}
				if got := p.text(`[data-testid=logout]`); got != signOut[l] {
					t.Errorf("%s in %s: the header's button says %q, want %q", path, l, got, signOut[l])
				}
				labels := get(p, "labels on "+path, chromedp.Evaluate[[]string](englishLabelsJS()))
				if l == i18n.ID {
					for _, w := range labels {
						t.Errorf("%s in Indonesian: %s", path, w)
					}
				} else if path == "/disbursements" && len(labels) < 5 {
					// The look that finds nothing in Indonesian must find the English labels.
					t.Errorf("the label check found only %v on the English disbursements page", labels)
				}
				words := get(p, "words on "+path, chromedp.Evaluate[string](pageWords))
				for _, k := range rawKey.FindAllString(words, -1) {
					t.Errorf("%s in %s shows the raw key %q", path, l, k)
				}
				if got := get(p, "measure "+path, chromedp.Evaluate[pageWidth](measureWidth)); got.Scroll > got.Inner {
					t.Errorf("%s in %s at %d px: the document is %d px wide (%s)", path, l, w, got.Scroll, got.Widest)
				}
				if shotDir != "" {
					p.viewportShot(fmt.Sprintf("lang-%s-%d-%s", l, w, shotName(path)))
				}
			}
		}
	}

	// Signed out: the toggle on the sign-in page, remembered by the browser.
	q := p.freshContext()
	q.open("/login")
	q.switchLanguage(i18n.ID)
	for _, w := range []int64{390, 1440} {
		q.do("set the viewport", chromedp.EmulateViewport(w, 860))
		q.open("/login")
		if got := get(q, "html lang", chromedp.Evaluate[string](`document.documentElement.lang`)); got != "id" {
			t.Errorf("the sign-in page forgot the browser's choice: lang=%q", got)
		}
		if shotDir != "" {
			q.viewportShot(fmt.Sprintf("lang-id-%d-login", w))
		}
	}
	q.switchLanguage(i18n.EN)
	for _, w := range []int64{390, 1440} {
		q.do("set the viewport", chromedp.EmulateViewport(w, 860))
		q.open("/login")
		if shotDir != "" {
			q.viewportShot(fmt.Sprintf("lang-en-%d-login", w))
		}
	}
}
