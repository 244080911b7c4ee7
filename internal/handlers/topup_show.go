package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/clerktext"
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
	ctx := c.Request().Context()
	hist, err := s.store.TopupHistory(ctx, t.ID)
	if err != nil {
		return err
	}
	u := state(c).user
	p := pages.DetailProps{T: *t, Approvals: hist.Approvals, Events: hist.Events, DecideError: decideErr, CSRF: state(c).csrf}
	switch {
	case u.Role == models.RoleAuditor:
		p.WhyNot = i18n.T(ctx, "topups.why_auditor")
	case u.ID == t.MakerID:
		p.WhyNot = i18n.T(ctx, "topups.why_maker")
	default:
		p.CanDecide = true
	}
	return s.render(c, status, i18n.T(ctx, "topups.title_show", "Number", strconv.FormatInt(t.ID, 10)), pages.Detail(p))
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
	// Ayopop requires its admin-fee note in both languages, word for word,
	// whatever language the page is in.
	note := ayopop.OVOReceiptNote()
	p := pages.ReceiptProps{T: *t, NoteID: note.ID, NoteEN: note.EN}
	ctx := c.Request().Context()
	switch {
	case t.PaidAt != nil:
		p.PaidAt = i18n.Time(ctx, *t.PaidAt)
	case t.FinalAt != nil:
		p.PaidAt = i18n.Time(ctx, *t.FinalAt)
	}
	return s.render(c, http.StatusOK, i18n.T(ctx, "topups.title_receipt", "Ref", t.RefNumber), pages.Receipt(p))
}

// refreshTopupDeposit reads the Ayopop deposit now.
func (s *Server) refreshTopupDeposit(c echo.Context) error {
	if s.topups == nil {
		return errTopupsOff
	}
	back := "/ovo-topups"
	ctx := c.Request().Context()
	if _, err := s.topups.RefreshBalance(ctx, state(c).user.Email); err != nil {
		return s.redirect(c, back, "bad", i18n.T(ctx, "topups.deposit_failed", "Reason", clerktext.Text(ctx, err)))
	}
	return s.redirect(c, back, "ok", i18n.T(ctx, "topups.deposit_done"))
}
