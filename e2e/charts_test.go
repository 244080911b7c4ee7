//go:build browser

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"backoffice/internal/wib"
)

// TestOverviewChartRangesAndTable: finance picks 7 days, opens the table
// under the chart and sees one row a day ending today with totals that match
// the rows; the chart fits the page; a reversed custom range is refused
// beside the field with what was typed kept; the balance chart has axes.
func TestOverviewChartRangesAndTable(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(finance)
	p.waitVisible(`[data-testid=money-flow]`)
	if p.count(`[data-testid=flow-chart]`) != 1 || p.count(`[data-testid=flow-y-tick]`) < 2 {
		p.fatal("the overview has no chart with a value axis")
	}
	p.click(`[data-testid=flow-preset-7]`)
	p.waitVisible(`[data-testid=flow-chart]`)
	if cur := p.attr(`[data-testid=flow-preset-7]`, "aria-current"); cur != "true" {
		p.fatal("7 days is not marked as the range shown")
	}
	p.do("open the table", chromedp.Click(chromedp.CSS(`[data-testid=flow-table-details] summary`)))
	days := p.visibleTexts(`[data-testid=flow-day]`)
	today := wib.Date(time.Now())
	if len(days) != 7 || days[6] != today {
		p.fatal("7-day table days %q, want 7 ending %s", days, today)
	}
	var in int64
	for _, s := range p.visibleTexts(`[data-testid=flow-in]`) {
		in += rupiah(t, s)
	}
	if total := rupiah(t, p.text(`[data-testid=flow-total-in]`)); total != in {
		p.fatal("money in total %d, rows add up to %d", total, in)
	}
	// The chart is as wide as its panel, not wider than the window.
	chartW := get(p, "measure the chart", chromedp.Evaluate[float64](`document.querySelector('[data-testid=flow-chart]').getBoundingClientRect().width`))
	winW := get(p, "measure the window", chromedp.Evaluate[float64](`document.documentElement.clientWidth`))
	if chartW < 300 || chartW > winW {
		p.fatal("chart %.0f px wide in a %.0f px window", chartW, winW)
	}
	p.screenshot("70-overview-chart-7-days")

	from, to := time.Now().In(wib.Zone).AddDate(0, 0, -2).Format("2006-01-02"), time.Now().In(wib.Zone).AddDate(0, 0, -5).Format("2006-01-02")
	p.do("type a reversed range",
		chromedp.SetValue(chromedp.CSS(`[data-testid=field-from] input`), from),
		chromedp.SetValue(chromedp.CSS(`[data-testid=field-to] input`), to))
	if resp := p.click(`[data-testid=flow-show]`); resp.Status != 422 {
		p.fatal("a reversed range answered %d", resp.Status)
	}
	if msg := p.text(`[data-testid=error-to]`); !strings.Contains(msg, "on or after the first day") {
		p.fatal("message beside the last day: %q", msg)
	}
	if p.value(`[data-testid=field-from] input`) != from || p.value(`[data-testid=field-to] input`) != to {
		p.fatal("the range typed was not kept")
	}
	p.screenshot("71-overview-chart-range-mistake")

	p.click(`[data-testid="nav-/balance"]`)
	p.waitVisible(`[data-testid=page-balance]`)
	if p.count(`[data-testid=balance-point]`) > 0 && (p.count(`[data-testid=balance-y-tick]`) < 2 || p.count(`[data-testid=balance-x-tick]`) < 1) {
		p.fatal("the balance chart has no axes")
	}
	p.screenshot("72-balance-chart")
}

// rupiah reads "Rp 1.234.567".
func rupiah(t *testing.T, s string) int64 {
	t.Helper()
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "Rp"))
	var v int64
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			v = v*10 + int64(r-'0')
		case r == '.' || r == ' ':
		default:
			t.Fatalf("not a rupiah amount: %q", s)
		}
	}
	return v
}
