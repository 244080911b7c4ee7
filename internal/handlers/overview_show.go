package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/config"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/internal/wib"
	"backoffice/web/templates/pages/overview"
)

func (s *Server) showOverview(c echo.Context) error {
	ctx := c.Request().Context()
	u := state(c).user
	p := overview.Props{
		UserName: u.Name,
		Role:     u.Role,
		ProviderModes: []overview.ProviderMode{
			{Name: "OY! Indonesia", Mode: config.ProviderMode(s.cfg.OY.BaseURL)},
			{Name: "Faspay OVO", Mode: config.ProviderMode(s.cfg.Faspay.BaseURL)},
			{Name: "DOKU OVO", Mode: config.ProviderMode(s.cfg.Doku.BaseURL)},
			{Name: "Ayopop", Mode: config.ProviderMode(s.cfg.Ayopop.BaseURL)},
		},
	}
	readings, err := s.store.BalanceReadings(ctx, 1)
	if err != nil {
		return err
	}
	if len(readings) > 0 {
		p.Balance = &readings[0]
		if th, err := s.disb.LowBalanceThreshold(ctx); err == nil && th > 0 && readings[0].Available < th {
			p.LowBalance = true
		}
	}
	if s.topups != nil {
		d, err := s.topups.Deposit(ctx)
		if err != nil {
			return err
		}
		p.ShowAyopop, p.AyopopDeposit, p.AyopopLow = true, d.Reading, d.Low
	}
	waiting := store.DisbursementFilter{Status: models.DisbWaitingApproval}
	page, err := s.store.ListDisbursements(ctx, waiting, 5)
	if err != nil {
		return err
	}
	p.WaitingApproval = page.Items
	if p.CheckingCount, _, err = s.store.DisbursementTotals(ctx, store.DisbursementFilter{Status: models.DisbUnknown}); err != nil {
		return err
	}
	now := s.now().In(wib.Zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, wib.Zone)
	// Disbursed today is what succeeded today, by when it succeeded; what
	// is approved but not final, and what waits, are shown beside it.
	day, err := s.store.DisbursementDayFigures(ctx, today, today.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	p.SucceededToday = overview.Figure{Count: day.Succeeded.Count, Sum: day.Succeeded.Sum}
	p.FailedToday = overview.Figure{Count: day.Failed.Count, Sum: day.Failed.Sum}
	p.InFlight = overview.Figure{Count: day.InFlight.Count, Sum: day.InFlight.Sum}
	p.Waiting = overview.Figure{Count: day.Waiting.Count, Sum: day.Waiting.Sum}
	p.WaitingCount = day.Waiting.Count
	cbs, err := s.store.ListCallbacks(ctx, store.CallbackFilter{}, 8)
	if err != nil {
		return err
	}
	p.RecentCallbacks = cbs.Items
	counts, _, err := s.store.CallbackStatusCounts(ctx, store.CallbackFilter{From: today}, countCap)
	if err != nil {
		return err
	}
	for _, n := range counts {
		p.CallbacksToday += n
	}
	// Payment links and invoices paid today (checkout).
	for _, k := range []models.CheckoutKind{models.KindPaymentLink, models.KindInvoice} {
		t, err := s.store.CheckoutReceivedBetween(ctx, k, today, today.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		if k == models.KindInvoice {
			p.CheckoutToday.Invoices, p.CheckoutToday.InvoicesSum = t.Count, t.Sum
		} else {
			p.CheckoutToday.Links, p.CheckoutToday.LinksSum = t.Count, t.Sum
		}
	}
	if u.Role == models.RoleAdmin || u.Role == models.RoleAuditor {
		p.ShowAudit = true
		page, err := s.store.ListAudit(ctx, store.AuditFilter{}, 8)
		if err != nil {
			return err
		}
		p.RecentActivity = page.Items
	}
	// Virtual accounts: money received today, by WIB day.
	if p.VAReceived.Count, p.VAReceived.Sum, err = s.store.VAReceivedBetween(ctx, today, today.AddDate(0, 0, 1)); err != nil {
		return err
	}
	// Money in and out per day (charts), over the range asked for.
	var first, last time.Time
	p.Flow, first, last = parseFlowRange(c, today)
	if err := s.loadFlow(ctx, &p.Flow, first, last); err != nil {
		return err
	}
	status := http.StatusOK
	if p.Flow.Invalid() {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, i18n.T(ctx, "overview.title"), overview.Overview(p))
}
