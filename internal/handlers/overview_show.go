package handlers

import (
	"backoffice/internal/wib"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/config"
	"backoffice/internal/models"
	"backoffice/internal/store"
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
	waiting := store.DisbursementFilter{Status: models.DisbWaitingApproval}
	page, err := s.store.ListDisbursements(ctx, waiting, 5)
	if err != nil {
		return err
	}
	p.WaitingApproval = page.Items
	if p.WaitingCount, _, err = s.store.DisbursementTotals(ctx, waiting); err != nil {
		return err
	}
	if p.CheckingCount, _, err = s.store.DisbursementTotals(ctx, store.DisbursementFilter{Status: models.DisbUnknown}); err != nil {
		return err
	}
	now := s.now().In(wib.Zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, wib.Zone)
	todayF := store.DisbursementFilter{From: today}
	if p.TodayCount, p.TodaySum, err = s.store.DisbursementTotals(ctx, todayF); err != nil {
		return err
	}
	for _, st := range []models.DisbursementStatus{models.DisbSuccess, models.DisbFailed, models.DisbRejected} {
		f := todayF
		f.Status = st
		n, _, err := s.store.DisbursementTotals(ctx, f)
		if err != nil {
			return err
		}
		if st == models.DisbSuccess {
			p.TodaySuccess = n
		} else {
			p.TodayFailed += n
		}
	}
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
	if u.Role == models.RoleAdmin || u.Role == models.RoleAuditor {
		p.ShowAudit = true
		page, err := s.store.ListAudit(ctx, store.AuditFilter{}, 8)
		if err != nil {
			return err
		}
		p.RecentActivity = page.Items
	}
	// Virtual accounts: money received today, by WIB day.
	if p.VAReceived.Count, p.VAReceived.Sum, err = s.store.ReceivedBetween(ctx, today, today.AddDate(0, 0, 1)); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "Overview", overview.Overview(p))
}
