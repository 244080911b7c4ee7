package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/disbursements"
	"backoffice/internal/models"
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
	if approve && d.Status == models.DisbWaitingApproval && c.FormValue("confirm") != "yes" {
		return s.renderDisbursement(c, http.StatusUnprocessableEntity, d, fmt.Sprintf("Tick the box to confirm you are sending %s to %s (the name the bank returned). Nothing was approved.",
			rupiahText(d.Amount), d.RecipientName))
	}
	action := "disbursement.reject"
	if approve {
		action = "disbursement.approve"
	}
	audit := s.auditEntry(c, action, "disbursement", strconv.FormatInt(d.ID, 10), fmt.Sprintf("%s to %s, ref %s", rupiahText(d.Amount), d.RecipientName, d.PartnerTrxID))
	after, err := s.disb.Decide(c.Request().Context(), d.ID, store.Decision{User: state(c).user, Approve: approve, Reason: reason}, audit)
	var short *disbursements.BalanceError
	switch {
	case errors.As(err, &short):
		return s.renderDisbursement(c, http.StatusUnprocessableEntity, d, short.Error())
	case errors.Is(err, store.ErrPartOfBatch):
		return s.renderDisbursement(c, http.StatusConflict, d, "This transfer belongs to a batch and is approved with it, on the batch page.")
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

// withdrawDisbursement lets the maker take back a request still waiting.
func (s *Server) withdrawDisbursement(c echo.Context) error {
	d, err := s.loadDisbursement(c)
	if err != nil {
		return err
	}
	audit := s.auditEntry(c, "disbursement.withdraw", "disbursement", strconv.FormatInt(d.ID, 10), fmt.Sprintf("withdrew %s to %s, ref %s", rupiahText(d.Amount), d.RecipientName, d.PartnerTrxID))
	err = s.disb.Withdraw(c.Request().Context(), d.ID, state(c).user, audit)
	switch {
	case errors.Is(err, store.ErrNotTheMaker):
		return s.renderDisbursement(c, http.StatusForbidden, d, "Only the person who made this disbursement can withdraw it.")
	case errors.Is(err, store.ErrPartOfBatch):
		return s.renderDisbursement(c, http.StatusConflict, d, "This transfer belongs to a batch; withdraw the batch instead.")
	case errors.Is(err, store.ErrConflict):
		fresh, _ := s.store.DisbursementByID(c.Request().Context(), d.ID)
		if fresh == nil {
			fresh = d
		}
		return s.renderDisbursement(c, http.StatusConflict, fresh, "This disbursement is not waiting for approval any more (it is "+fresh.Status.Label()+"), so it cannot be withdrawn.")
	case err != nil:
		return err
	}
	return s.redirect(c, "/disbursements/"+strconv.FormatInt(d.ID, 10), "ok", "Withdrawn. Nothing was sent, and nothing will be.")
}

// resendDisbursementCallback asks OY to send the callback again.
func (s *Server) resendDisbursementCallback(c echo.Context) error {
	d, err := s.loadDisbursement(c)
	if err != nil {
		return err
	}
	to := "/disbursements/" + strconv.FormatInt(d.ID, 10)
	if !callbackToResend(d) {
		return s.redirect(c, to, "bad", "OY has no callback to resend for this transfer: it was never sent, or OY refused it.")
	}
	audit := s.auditEntry(c, "disbursement.resend_callback", "disbursement", strconv.FormatInt(d.ID, 10), "asked OY to resend the callback for ref "+d.PartnerTrxID)
	if err := s.disb.ResendCallback(c.Request().Context(), d, audit); err != nil {
		return s.redirect(c, to, "bad", err.Error())
	}
	return s.redirect(c, to, "ok", "OY was asked to send the callback again; it will appear in the callback log.")
}
