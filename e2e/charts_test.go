//go:build browser

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"backoffice/internal/wib"
)

// TestOverviewChartRangesAndTable: a payment comes into a VA; the admin picks 7 days, opens the table
// under the chart and sees one row a day ending today with totals that match
// the rows; the chart fits the page; a reversed custom range is refused
// beside the field with what was typed kept; the balance chart has axes.
func TestOverviewChartRangesAndTable(t *testing.T) {
	p := newBrowser(t, testContext(t))
	p.openAndSignIn(admin)
	// Money in today: a payment into a new open VA, through the sandbox.
	p.click(`[data-testid="nav-/virtual-accounts"]`)
	p.click(`[data-testid=new-va]`)
	p.waitVisible(`[data-testid=page-va-new]`)
	p.typeInto(`[data-testid=field-partner_user_id] input`, fmt.Sprintf("e2e-chart-%d", time.Now().UnixNano()%1_000_000_000))
	p.choose(`[data-testid=field-bank_code] select`, "Bank BNI", "009")
	p.typeInto(`[data-testid=field-expiration_time] input`, "120")
	p.typeInto(`[data-testid=field-username_display] input`, "Warung Chart")
	if resp := p.click(`[data-testid=va-submit]`); resp.Status != 200 {
		p.fatal("creating the VA answered %d", resp.Status)
	}
	p.waitVisible(`[data-testid=page-va-detail]`)
	number := strings.TrimSpace(p.text(`[data-testid=va-number-copy] code`))
	simulateVAPayment(t, number, 2_345_000)
	for deadline := time.Now().Add(15 * time.Second); p.count(`[data-testid=va-payment]`) == 0; {
		if time.Now().After(deadline) {
			p.fatal("the payment into %s never arrived", number)
		}
		time.Sleep(300 * time.Millisecond)
		p.open(p.location().RequestURI())
	}

	p.open("/")
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
	ins := p.visibleTexts(`[data-testid=flow-in]`)
	for _, s := range ins {
		in += rupiah(t, s)
	}
	if today := rupiah(t, ins[6]); today < 2_345_000 {
		p.fatal("money in today %d, the payment of Rp 2.345.000 is missing", today)
	}
	if p.count(`[data-testid=flow-bar-in]`) < 1 {
		p.fatal("no bar for the money in")
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
