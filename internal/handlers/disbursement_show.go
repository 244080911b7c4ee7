package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	"backoffice/web/templates/components"
	pages "backoffice/web/templates/pages/disbursements"
)

// rupiahText writes an amount for audit summaries and flashes.
func rupiahText(v int64) string { return components.FormatMoney(v) }

func (s *Server) loadDisbursement(c echo.Context) (*models.Disbursement, error) {
	return loadByID(c, s.store.DisbursementByID)
}

func (s *Server) showDisbursement(c echo.Context) error {
	d, err := s.loadDisbursement(c)
	if err != nil {
		return err
	}
	return s.renderDisbursement(c, http.StatusOK, d, "")
}

func (s *Server) renderDisbursement(c echo.Context, status int, d *models.Disbursement, decideErr string) error {
	hist, err := s.store.DisbursementHistory(c.Request().Context(), d.ID)
	if err != nil {
		return err
	}
	u := state(c).user
	p := pages.DetailProps{D: *d, BankName: oy.BankName(d.RecipientBank), Approvals: hist.Approvals, Events: hist.Events,
		DecideError: decideErr, CSRF: state(c).csrf, CanResend: u.Role != models.RoleAuditor && d.SentAt != nil}
	switch {
	case u.Role == models.RoleAuditor:
		p.WhyNot = "Auditors see approvals but do not make them."
	case u.ID == d.MakerID:
		p.WhyNot = "You made this disbursement, so someone else must approve it."
	default:
		p.CanDecide = true
		for _, a := range hist.Approvals {
			if a.UserID == u.ID {
				p.CanDecide, p.WhyNot = false, "You have approved it; it needs another approver."
			}
		}
	}
	return s.render(c, status, "Disbursement "+strconv.FormatInt(d.ID, 10), pages.Detail(p))
}
