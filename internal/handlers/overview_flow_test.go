package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"backoffice/internal/models"
	"backoffice/internal/wib"
)

// seedFlow stages money that moved, straight through SQL: what no page can
// date in the past.
func seedFlow(t *testing.T, a *testApp, today time.Time) {
	t.Helper()
	w := a.db.Write
	var finance int64
	if err := w.Raw("SELECT id FROM users WHERE email = ?", "finance@example.com").Scan(&finance).Error; err != nil || finance == 0 {
		t.Fatalf("finance user: %v", err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if err := w.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	disb := func(ref string, status models.DisbursementStatus, amount int64, final time.Time) {
		exec(`INSERT INTO disbursements (partner_trx_id, recipient_bank, recipient_account, recipient_name, amount, status, maker_id, maker_email,
			created_at, updated_at, final_at) VALUES (?, '014', '1234567', 'Budi', ?, ?, ?, 'finance@example.com', ?, ?, ?)`,
			ref, amount, status, finance, final.UTC(), final.UTC(), final.UTC())
	}
	disb("F-1", models.DisbSuccess, 150_000, today.Add(8*time.Hour))                // today 08:00 WIB
	disb("F-2", models.DisbSuccess, 50_000, today.Add(-30*time.Minute))             // yesterday 23:30 WIB
	disb("F-3", models.DisbFailed, 900_000, today.Add(9*time.Hour))                 // failed: no money out
	disb("F-4", models.DisbSuccess, 1_000, today.AddDate(0, 0, -10).Add(time.Hour)) // 10 days ago
	at := today.Add(2 * time.Hour).UTC()
	exec(`INSERT INTO virtual_accounts (id, oy_id, va_number, bank_code, status, source, created_at, updated_at) VALUES (900, 'va-chart', '8888', '014', 'active', 'test', ?, ?)`, at, at)
	exec(`INSERT INTO va_payments (virtual_account_id, dedup_key, paid_at, amount, source, created_at) VALUES (900, 'chart-1', ?, 300000, 'test', ?)`, at, at)
	paid := today.AddDate(0, 0, -3).Add(10 * time.Hour).UTC()
	exec(`INSERT INTO checkouts (kind, partner_tx_id, status, paid_amount, paid_at, created_at, updated_at) VALUES ('invoice', 'INV-CHART', 'complete', 75000, ?, ?, ?)`, paid, paid, paid)
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

func text(s *goquery.Selection) string { return strings.TrimSpace(s.Text()) }

func TestOverviewChartsMoneyInAndOutPerDay(t *testing.T) {
	a := newTestApp(t)
	today := wib.StartOfDay(a.clock.Now())
	seedFlow(t, a, today)
	b := a.signedIn(models.RoleFinance)

	p := b.get("/?range=7")
	if p.Status != http.StatusOK {
		t.Fatalf("7 days: %d", p.Status)
	}
	d := doc(t, p)
	rows := d.Find(testid("flow-row"))
	if rows.Length() != 7 {
		t.Fatalf("7 days: %d table rows", rows.Length())
	}
	byDay := map[string][2]string{}
	rows.Each(func(_ int, r *goquery.Selection) {
		byDay[text(r.Find(testid("flow-day")))] = [2]string{text(r.Find(testid("flow-in"))), text(r.Find(testid("flow-out")))}
	})
	for day, want := range map[time.Time][2]string{
		today:                   {"Rp 300.000", "Rp 150.000"},
		today.AddDate(0, 0, -1): {"Rp 0", "Rp 50.000"},
		today.AddDate(0, 0, -3): {"Rp 75.000", "Rp 0"},
		today.AddDate(0, 0, -6): {"Rp 0", "Rp 0"},
	} {
		if got := byDay[wib.Date(day)]; got != want {
			t.Errorf("%s: in/out %q, want %q", wib.Date(day), got, want)
		}
	}
	if got := text(rows.Last().Find(testid("flow-day"))); got != wib.Date(today) {
		t.Errorf("last row is %q, want today %q (oldest first)", got, wib.Date(today))
	}
	if in, out := text(d.Find(testid("flow-total-in"))), text(d.Find(testid("flow-total-out"))); in != "Rp 375.000" || out != "Rp 200.000" {
		t.Errorf("7-day totals in %q out %q", in, out)
	}
	// The chart has a rupiah axis from zero, day labels, a bar per day that
	// moved money, and a legend in words.
	if d.Find(testid("flow-chart")).Length() != 1 {
		t.Fatal("no chart")
	}
	var yLabels []string
	d.Find(testid("flow-y-tick")).Each(func(_ int, s *goquery.Selection) { yLabels = append(yLabels, text(s)) })
	if len(yLabels) < 3 || yLabels[0] != "Rp 0" || !strings.HasSuffix(yLabels[len(yLabels)-1], "k") {
		t.Errorf("value axis labels %q", yLabels)
	}
	if n := d.Find(testid("flow-x-tick")).Length(); n != 7 {
		t.Errorf("%d day labels for 7 days", n)
	}
	if in, out := d.Find(testid("flow-bar-in")).Length(), d.Find(testid("flow-bar-out")).Length(); in != 2 || out != 2 {
		t.Errorf("bars in %d out %d, want 2 and 2", in, out)
	}
	if title := text(d.Find(testid("flow-bar-out")).Last().Find("title")); title != wib.Date(today)+": money out Rp 150.000" {
		t.Errorf("bar title %q", title)
	}
	if legend := text(d.Find(testid("flow-legend"))); !strings.Contains(legend, "Money in") || !strings.Contains(legend, "Money out") {
		t.Errorf("legend %q", legend)
	}
	if cur, _ := d.Find(testid("flow-preset-7")).Attr("aria-current"); cur != "true" {
		t.Error("the 7-day preset is not marked current")
	}

	// 30 days (the default) reaches the transfer of 10 days ago; 90 has 90 rows.
	d = doc(t, b.get("/"))
	if n := d.Find(testid("flow-row")).Length(); n != 30 {
		t.Errorf("default: %d rows, want 30", n)
	}
	if out := text(d.Find(testid("flow-total-out"))); out != "Rp 201.000" {
		t.Errorf("30-day money out %q", out)
	}
	if n := doc(t, b.get("/?range=90")).Find(testid("flow-row")).Length(); n != 90 {
		t.Errorf("90 days: %d rows", n)
	}
	if n := d.Find(testid("flow-x-tick")).Length(); n > 8 || n < 4 {
		t.Errorf("30 days: %d day labels, want at most 8", n)
	}

	// A custom range of one day.
	ten := today.AddDate(0, 0, -10).Format("2006-01-02")
	p = b.get("/?" + url.Values{"range": {"custom"}, "from": {ten}, "to": {ten}}.Encode())
	d = doc(t, p)
	if p.Status != http.StatusOK || d.Find(testid("flow-row")).Length() != 1 || text(d.Find(testid("flow-out"))) != "Rp 1.000" {
		t.Errorf("one custom day: %d, rows %d, out %q", p.Status, d.Find(testid("flow-row")).Length(), text(d.Find(testid("flow-out"))))
	}
	if v, _ := d.Find("input[name=from]").Attr("value"); v != ten {
		t.Errorf("custom from shown as %q", v)
	}
}

func TestOverviewChartRangeMistakes(t *testing.T) {
	a := newTestApp(t)
	today := wib.StartOfDay(a.clock.Now())
	b := a.signedIn(models.RoleAdmin)
	day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }
	for name, c := range map[string]struct {
		from, to string
		field    string
		words    string
	}{
		"not a date":     {"2026-13-45", day(0), "from", "as a date"},
		"missing from":   {"", day(0), "from", "first day"},
		"missing to":     {day(-3), "", "to", "last day"},
		"reversed":       {day(-1), day(-5), "to", "on or after the first day"},
		"future":         {day(-1), day(2), "to", "after today"},
		"more than year": {day(-400), day(0), "from", "at most 366 days"},
	} {
		p := b.get("/?" + url.Values{"range": {"custom"}, "from": {c.from}, "to": {c.to}}.Encode())
		if p.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", name, p.Status)
			continue
		}
		d := doc(t, p)
		msg := text(d.Find(testid("error-" + c.field)))
		if !strings.Contains(msg, c.words) {
			t.Errorf("%s: message beside %s is %q, want it to say %q", name, c.field, msg, c.words)
		}
		if _, marked := d.Find("input[name=" + c.field + "]").Attr("aria-invalid"); !marked {
			t.Errorf("%s: the %s field is not marked invalid", name, c.field)
		}
		other := map[string]string{"from": "to", "to": "from"}[c.field]
		if _, marked := d.Find("input[name=" + other + "]").Attr("aria-invalid"); marked {
			t.Errorf("%s: the %s field is marked invalid too", name, other)
		}
		for f, want := range map[string]string{"from": c.from, "to": c.to} {
			if v, _ := d.Find("input[name=" + f + "]").Attr("value"); v != want {
				t.Errorf("%s: %s kept as %q, want %q", name, f, v, want)
			}
		}
		if d.Find(testid("flow-chart")).Length() != 0 || d.Find(testid("flow-invalid")).Length() != 1 {
			t.Errorf("%s: a chart is drawn for a wrong range", name)
		}
		if d.Find(testid("page-overview")).Length() != 1 {
			t.Errorf("%s: the rest of the overview is missing", name)
		}
	}
}

func TestBalanceChartHasAxesAndShowsOneReading(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	now := a.clock.Now()
	if err := a.store.AddBalanceReading(ctx, &models.BalanceReading{At: now.Add(-2 * time.Hour), Available: 50_000_000, Balance: 50_000_000}); err != nil {
		t.Fatal(err)
	}
	b := a.signedIn(models.RoleAuditor)
	d := doc(t, b.get("/balance"))
	if n := d.Find(testid("balance-point")).Length(); n != 1 || d.Find(testid("balance-chart")+" polyline").Length() != 0 {
		t.Errorf("one reading: %d points and a line %d", n, d.Find(testid("balance-chart")+" polyline").Length())
	}
	if cap := text(d.Find(testid("balance-chart-caption"))); !strings.Contains(cap, "One reading so far: Rp 50.000.000 available") {
		t.Errorf("one reading caption %q", cap)
	}
	var ys []string
	d.Find(testid("balance-y-tick")).Each(func(_ int, s *goquery.Selection) { ys = append(ys, text(s)) })
	if len(ys) < 3 || ys[0] == ys[len(ys)-1] || !strings.HasSuffix(ys[len(ys)-1], "m") {
		t.Errorf("one reading: value axis %q should frame Rp 50m", ys)
	}
	// The reading sits inside the axis, not on a flat line at its edge.
	cy, _ := d.Find(testid("balance-point")).Attr("cy")
	top, _ := d.Find(testid("balance-y-tick")).Last().Attr("y")
	bottom, _ := d.Find(testid("balance-y-tick")).First().Attr("y")
	if y, lo, hi := atof(t, cy), atof(t, top)-4, atof(t, bottom)-4; y <= lo || y >= hi {
		t.Errorf("one reading drawn at y %v, axis %v..%v", y, lo, hi)
	}
	if n := d.Find(testid("balance-x-tick")).Length(); n != 1 {
		t.Errorf("one reading: %d time labels", n)
	}
	for i, v := range []int64{48_000_000, 52_500_000} {
		if err := a.store.AddBalanceReading(ctx, &models.BalanceReading{At: now.Add(time.Duration(i-1) * time.Hour), Available: v, Balance: v}); err != nil {
			t.Fatal(err)
		}
	}
	d = doc(t, b.get("/balance"))
	if n := d.Find(testid("balance-point")).Length(); n != 3 || d.Find(testid("balance-chart")+" polyline").Length() != 1 {
		t.Errorf("three readings: %d points, line %d", n, d.Find(testid("balance-chart")+" polyline").Length())
	}
	xs := d.Find(testid("balance-x-tick"))
	if xs.Length() != 3 || text(xs.Last()) != now.In(wib.Zone).Format("2 Jan 15:04") {
		t.Errorf("three readings: time labels %q", text(xs))
	}
	if cap := text(d.Find(testid("balance-chart-caption"))); !strings.Contains(cap, "From Rp 48.000.000 to Rp 52.500.000") {
		t.Errorf("caption %q", cap)
	}
}
