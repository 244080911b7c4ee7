package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

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
	reason := strings.TrimSpace(c.FormValue("reason"))
	if len(reason) > 255 {
		return s.renderTopup(c, http.StatusUnprocessableEntity, t, "Keep the reason under 255 characters. Nothing was decided.")
	}
	action := "topup.reject"
	if approve {
		action = "topup.approve"
	}
	audit := s.auditEntry(c, action, "topup", strconv.FormatInt(t.ID, 10), fmt.Sprintf("OVO top-up %s to %s, ref %s", rupiahText(t.Total()), t.CustomerName, t.RefNumber))
	after, err := s.topups.Decide(c.Request().Context(), t.ID, store.Decision{User: state(c).user, Approve: approve, Reason: reason}, audit)
	switch {
	case errors.Is(err, store.ErrMakerCannotApprove):
		return s.renderTopup(c, http.StatusForbidden, t, "You made this top-up, so you cannot approve or reject it. Ask another finance or admin user.")
	case errors.Is(err, store.ErrAlreadyDecided):
		return s.renderTopup(c, http.StatusConflict, t, "You have already decided on this top-up.")
	case errors.Is(err, store.ErrConflict):
		fresh, _ := s.store.TopupByID(c.Request().Context(), t.ID)
		if fresh == nil {
			fresh = t
		}
		return s.renderTopup(c, http.StatusConflict, fresh, "Someone else decided on this top-up a moment ago; it is now "+fresh.Status.Label()+". Nothing more was paid.")
	case err != nil:
		return err
	}
	to := "/ovo-topups/" + strconv.FormatInt(t.ID, 10)
	if !approve {
		return s.redirect(c, to, "ok", "Rejected. Nothing was paid.")
	}
	return s.redirect(c, to, "ok", "Approved and paid to Ayopop. Status now: "+after.Status.Label()+".")
}
