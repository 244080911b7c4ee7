package handlers

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/wib"
	"backoffice/web/templates/pages/overview"
)

// flowPresets are the day counts offered beside the custom range.
var flowPresets = map[string]int{"7": 7, "30": 30, "90": 90}

// maxFlowDays bounds a custom range: a year and a day.
const maxFlowDays = 366

// parseFlowRange reads the chart's range from the query: a preset
// (range=7|30|90, the default 30) or range=custom with from and to
// (YYYY-MM-DD, WIB days, both included). Errors are sentences for the
// field they concern; the values typed are kept.
func parseFlowRange(c echo.Context, today time.Time) (f overview.Flow, first, last time.Time) {
	ctx := c.Request().Context()
	f.Preset, f.From, f.To = c.QueryParam("range"), c.QueryParam("from"), c.QueryParam("to")
	if f.Preset == "" && (f.From != "" || f.To != "") {
		f.Preset = "custom"
	}
	if f.Preset != "custom" {
		n, ok := flowPresets[f.Preset]
		if !ok {
			f.Preset, n = "30", 30
		}
		f.From, f.To = "", ""
		return f, today.AddDate(0, 0, 1-n), today
	}
	first, okFrom := wib.ParseDate(f.From)
	last, okTo := wib.ParseDate(f.To)
	switch {
	case f.From == "":
		f.FromErr = i18n.T(ctx, "chart.from_missing")
	case !okFrom:
		f.FromErr = i18n.T(ctx, "chart.from_bad", "Example", today.AddDate(0, 0, -6).Format("2006-01-02"))
	case first.After(today):
		f.FromErr = i18n.T(ctx, "chart.from_future", "Today", i18n.Date(ctx, today))
	}
	switch {
	case f.To == "":
		f.ToErr = i18n.T(ctx, "chart.to_missing")
	case !okTo:
		f.ToErr = i18n.T(ctx, "chart.to_bad", "Example", today.Format("2006-01-02"))
	case last.After(today):
		f.ToErr = i18n.T(ctx, "chart.to_future", "Today", i18n.Date(ctx, today))
	case okFrom && last.Before(first):
		f.ToErr = i18n.T(ctx, "chart.to_before_from")
	}
	if f.FromErr == "" && f.ToErr == "" {
		if days := int(last.Sub(first).Hours()/24) + 1; days > maxFlowDays {
			f.FromErr = i18n.T(ctx, "chart.too_long", "Max", maxFlowDays, "Days", days)
		}
	}
	return f, first, last
}

// loadFlow fills the chart's days, or leaves them empty when the range is
// wrong.
func (s *Server) loadFlow(ctx context.Context, f *overview.Flow, first, last time.Time) error {
	if f.Invalid() {
		return nil
	}
	days, err := s.store.MoneyFlow(ctx, first, last)
	if err != nil {
		return err
	}
	for _, d := range days {
		f.Days = append(f.Days, overview.FlowDay{
			Day: d.Day, Disbursed: d.Disbursed.Sum, Topups: d.Topups.Sum,
			VA: d.VA.Sum, Checkout: d.Checkout.Sum, OVO: d.OVO.Sum,
		})
	}
	return nil
}
