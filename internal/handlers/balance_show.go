package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

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
	return s.render(c, http.StatusOK, "OY balance", balance.Page(p))
}

func (s *Server) refreshBalance(c echo.Context) error {
	r, err := s.disb.RefreshBalance(c.Request().Context(), state(c).user.Email)
	if err != nil {
		return s.redirect(c, "/balance", "bad", "OY did not answer the balance request. The last reading is shown; try again in a moment.")
	}
	return s.redirect(c, "/balance", "ok", "Balance read: "+rupiahText(r.Available)+" available.")
}
