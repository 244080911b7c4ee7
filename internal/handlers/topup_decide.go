package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/store"
)

func (s *Server) approveTopup(c echo.Context) error { return s.decideTopup(c, true) }
func (s *Server) rejectTopup(c echo.Context) error  { return s.decideTopup(c, false) }

// decideTopup records an approval or rejection; the approval that
// completes the count sends the one payment and waits for Ayopop's answer.
func (s *Server) decideTopup(c echo.Context, approve bool) error {
	t, err := s.loadTopup(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	reason := strings.TrimSpace(c.FormValue("reason"))
	if len(reason) > 255 {
		return s.renderTopup(c, http.StatusUnprocessableEntity, t, i18n.T(ctx, "topups.err_reason_long"))
	}
	action := "topup.reject"
	if approve {
		action = "topup.approve"
	}
	audit := s.auditEntry(c, action, "topup", strconv.FormatInt(t.ID, 10), fmt.Sprintf("OVO top-up %s to %s, ref %s", rupiahText(t.Total()), t.CustomerName, t.RefNumber))
	after, err := s.topups.Decide(ctx, t.ID, store.Decision{User: state(c).user, Approve: approve, Reason: reason}, audit)
	switch {
	case errors.Is(err, store.ErrMakerCannotApprove):
		return s.renderTopup(c, http.StatusForbidden, t, i18n.T(ctx, "topups.err_maker"))
	case errors.Is(err, store.ErrAlreadyDecided):
		return s.renderTopup(c, http.StatusConflict, t, i18n.T(ctx, "topups.err_decided"))
	case errors.Is(err, store.ErrConflict):
		fresh, _ := s.store.TopupByID(ctx, t.ID)
		if fresh == nil {
			fresh = t
		}
		return s.renderTopup(c, http.StatusConflict, fresh, i18n.T(ctx, "topups.err_conflict", "Status", fresh.Status.In(ctx)))
	case err != nil:
		return err
	}
	to := "/ovo-topups/" + strconv.FormatInt(t.ID, 10)
	if !approve {
		return s.redirect(c, to, "ok", i18n.T(ctx, "topups.rejected_flash"))
	}
	return s.redirect(c, to, "ok", i18n.T(ctx, "topups.approved_flash", "Status", after.Status.In(ctx)))
}
