package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/provider"
	"backoffice/internal/wib"
	pages "backoffice/web/templates/pages/topups"
)

func (s *Server) loadTopup(c echo.Context) (*models.Topup, error) {
	if s.topups == nil {
		return nil, errTopupsOff
	}
	return loadByID(c, s.store.TopupByID)
}

func (s *Server) showTopup(c echo.Context) error {
	t, err := s.loadTopup(c)
	if err != nil {
		return err
	}
	return s.renderTopup(c, http.StatusOK, t, "")
}

func (s *Server) renderTopup(c echo.Context, status int, t *models.Topup, decideErr string) error {
	hist, err := s.store.TopupHistory(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	u := state(c).user
	p := pages.DetailProps{T: *t, Approvals: hist.Approvals, Events: hist.Events, DecideError: decideErr, CSRF: state(c).csrf}
	switch {
	case u.Role == models.RoleAuditor:
		p.WhyNot = "Auditors see approvals but do not make them."
	case u.ID == t.MakerID:
		p.WhyNot = "You made this top-up, so someone else must approve it."
	default:
		p.CanDecide = true
	}
	return s.render(c, status, "OVO top-up "+strconv.FormatInt(t.ID, 10), pages.Detail(p))
}

// showTopupReceipt is the printable receipt of a successful top-up, with
// the admin-fee note Ayopop requires on every OVO top-up receipt.
func (s *Server) showTopupReceipt(c echo.Context) error {
	t, err := s.loadTopup(c)
	if err != nil {
		return err
	}
	if t.Status != models.TopupSuccess {
		return echo.NewHTTPError(http.StatusNotFound, "This top-up has no receipt: only a successful top-up has one. It is "+t.Status.Label()+".")
	}
	note := ayopop.OVOReceiptNote()
	p := pages.ReceiptProps{T: *t, NoteID: note.ID, NoteEN: note.EN}
	switch {
	case t.PaidAt != nil:
		p.PaidAt = wib.Format(*t.PaidAt)
	case t.FinalAt != nil:
		p.PaidAt = wib.Format(*t.FinalAt)
	}
	return s.render(c, http.StatusOK, "Receipt "+t.RefNumber, pages.Receipt(p))
}

// refreshTopupDeposit reads the Ayopop deposit now.
func (s *Server) refreshTopupDeposit(c echo.Context) error {
	if s.topups == nil {
		return errTopupsOff
	}
	back := "/ovo-topups"
	if _, err := s.topups.RefreshBalance(c.Request().Context(), state(c).user.Email); err != nil {
		return s.redirect(c, back, "bad", "The Ayopop deposit could not be read: "+provider.MessageOf(err))
	}
	return s.redirect(c, back, "ok", "Ayopop deposit read.")
}
