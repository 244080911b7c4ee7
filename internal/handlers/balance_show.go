package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/web/templates/pages/balance"
)

func (s *Server) showBalance(c echo.Context) error {
	ctx := c.Request().Context()
	hist, err := s.store.BalanceReadings(ctx, 60)
	if err != nil {
		return err
	}
	th, err := s.disb.LowBalanceThreshold(ctx)
	if err != nil {
		return err
	}
	st := state(c)
	p := balance.Props{History: hist, Threshold: th, CanRefresh: st.user.Role != models.RoleAuditor, CSRF: st.csrf}
	if len(hist) > 0 {
		p.Latest = &hist[0]
	}
	return s.render(c, http.StatusOK, i18n.T(ctx, "oybalance.title"), balance.Page(p))
}

func (s *Server) refreshBalance(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := s.disb.RefreshBalance(ctx, state(c).user.Email)
	if err != nil {
		return s.redirect(c, "/balance", "bad", i18n.T(ctx, "oybalance.refresh_failed"))
	}
	return s.redirect(c, "/balance", "ok", i18n.T(ctx, "oybalance.refreshed", "Amount", rupiahText(r.Available)))
}
