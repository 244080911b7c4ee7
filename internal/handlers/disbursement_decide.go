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

func (s *Server) approveDisbursement(c echo.Context) error { return s.decideDisbursement(c, true) }
func (s *Server) rejectDisbursement(c echo.Context) error  { return s.decideDisbursement(c, false) }

// decideDisbursement records an approval or rejection; the approval that
// completes the count sends the one remit and waits for OY's answer.
func (s *Server) decideDisbursement(c echo.Context, approve bool) error {
	d, err := s.loadDisbursement(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if len(reason) > 255 {
		return s.renderDisbursement(c, http.StatusUnprocessableEntity, d, "Keep the reason under 255 characters. Nothing was decided.")
	}
	action := "disbursement.reject"
	if approve {
		action = "disbursement.approve"
	}
	audit := s.auditEntry(c, action, "disbursement", strconv.FormatInt(d.ID, 10), fmt.Sprintf("%s to %s, ref %s", rupiahText(d.Amount), d.RecipientName, d.PartnerTrxID))
	after, err := s.disb.Decide(c.Request().Context(), d.ID, store.Decision{User: state(c).user, Approve: approve, Reason: reason}, audit)
	switch {
	case errors.Is(err, store.ErrMakerCannotApprove):
		return s.renderDisbursement(c, http.StatusForbidden, d, "You made this disbursement, so you cannot approve or reject it. Ask another finance or admin user.")
	case errors.Is(err, store.ErrAlreadyDecided):
		return s.renderDisbursement(c, http.StatusConflict, d, "You have already decided on this disbursement.")
	case errors.Is(err, store.ErrConflict):
		fresh, _ := s.store.DisbursementByID(c.Request().Context(), d.ID)
		if fresh == nil {
			fresh = d
		}
		return s.renderDisbursement(c, http.StatusConflict, fresh, "Someone else decided on this disbursement a moment ago; it is now "+fresh.Status.Label()+". Nothing more was sent.")
	case err != nil:
		return err
	}
	to := "/disbursements/" + strconv.FormatInt(d.ID, 10)
	if !approve {
		return s.redirect(c, to, "ok", "Rejected. Nothing was sent.")
	}
	return s.redirect(c, to, "ok", "Approved. Status now: "+after.Status.Label()+".")
}

// resendDisbursementCallback asks OY to send the callback again.
func (s *Server) resendDisbursementCallback(c echo.Context) error {
	d, err := s.loadDisbursement(c)
	if err != nil {
		return err
	}
	to := "/disbursements/" + strconv.FormatInt(d.ID, 10)
	audit := s.auditEntry(c, "disbursement.resend_callback", "disbursement", strconv.FormatInt(d.ID, 10), "asked OY to resend the callback for ref "+d.PartnerTrxID)
	if err := s.disb.ResendCallback(c.Request().Context(), d, audit); err != nil {
		return s.redirect(c, to, "bad", err.Error())
	}
	return s.redirect(c, to, "ok", "OY was asked to send the callback again; it will appear in the callback log.")
}
