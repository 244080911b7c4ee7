package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/disbursements"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

func (s *Server) approveDisbursement(c echo.Context) error { return s.decideDisbursement(c, true) }
func (s *Server) rejectDisbursement(c echo.Context) error  { return s.decideDisbursement(c, false) }

// decideDisbursement records an approval or rejection; the approval that
// completes the count sends the one remit and waits for OY's answer.
func (s *Server) decideDisbursement(c echo.Context, approve bool) error {
	ctx := c.Request().Context()
	d, err := s.loadDisbursement(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if len(reason) > 255 {
		return s.renderDisbursement(c, http.StatusUnprocessableEntity, d, i18n.T(ctx, "disb.reason_too_long"))
	}
	if approve && d.Status == models.DisbWaitingApproval && c.FormValue("confirm") != "yes" {
		return s.renderDisbursement(c, http.StatusUnprocessableEntity, d, i18n.T(ctx, "disb.tick_approve", "Amount", rupiahText(d.Amount), "Name", d.RecipientName))
	}
	action := "disbursement.reject"
	if approve {
		action = "disbursement.approve"
	}
	audit := s.auditEntry(c, action, "disbursement", strconv.FormatInt(d.ID, 10), fmt.Sprintf("%s to %s, ref %s", rupiahText(d.Amount), d.RecipientName, d.PartnerTrxID))
	after, err := s.disb.Decide(ctx, d.ID, store.Decision{User: state(c).user, Approve: approve, Reason: reason}, audit)
	var short *disbursements.BalanceError
	switch {
	case errors.As(err, &short):
		return s.renderDisbursement(c, http.StatusUnprocessableEntity, d, short.Message().In(ctx))
	case errors.Is(err, store.ErrPartOfBatch):
		return s.renderDisbursement(c, http.StatusConflict, d, i18n.T(ctx, "disb.part_of_batch"))
	case errors.Is(err, store.ErrMakerCannotApprove):
		return s.renderDisbursement(c, http.StatusForbidden, d, i18n.T(ctx, "disb.maker_cannot_decide"))
	case errors.Is(err, store.ErrAlreadyDecided):
		return s.renderDisbursement(c, http.StatusConflict, d, i18n.T(ctx, "disb.already_decided"))
	case errors.Is(err, store.ErrConflict):
		fresh, _ := s.store.DisbursementByID(ctx, d.ID)
		if fresh == nil {
			fresh = d
		}
		return s.renderDisbursement(c, http.StatusConflict, fresh, i18n.T(ctx, "disb.decided_by_other", "Status", i18n.T(ctx, fresh.Status.LabelKey())))
	case err != nil:
		return err
	}
	to := "/disbursements/" + strconv.FormatInt(d.ID, 10)
	if !approve {
		return s.redirect(c, to, "ok", i18n.T(ctx, "disb.rejected_flash"))
	}
	return s.redirect(c, to, "ok", i18n.T(ctx, "disb.approved_flash", "Status", i18n.T(ctx, after.Status.LabelKey())))
}

// withdrawDisbursement lets the maker take back a request still waiting.
func (s *Server) withdrawDisbursement(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.loadDisbursement(c)
	if err != nil {
		return err
	}
	audit := s.auditEntry(c, "disbursement.withdraw", "disbursement", strconv.FormatInt(d.ID, 10), fmt.Sprintf("withdrew %s to %s, ref %s", rupiahText(d.Amount), d.RecipientName, d.PartnerTrxID))
	err = s.disb.Withdraw(ctx, d.ID, state(c).user, audit)
	switch {
	case errors.Is(err, store.ErrNotTheMaker):
		return s.renderDisbursement(c, http.StatusForbidden, d, i18n.T(ctx, "disb.only_maker_withdraws"))
	case errors.Is(err, store.ErrPartOfBatch):
		return s.renderDisbursement(c, http.StatusConflict, d, i18n.T(ctx, "disb.withdraw_batch_instead"))
	case errors.Is(err, store.ErrConflict):
		fresh, _ := s.store.DisbursementByID(ctx, d.ID)
		if fresh == nil {
			fresh = d
		}
		return s.renderDisbursement(c, http.StatusConflict, fresh, i18n.T(ctx, "disb.not_waiting_withdraw", "Status", i18n.T(ctx, fresh.Status.LabelKey())))
	case err != nil:
		return err
	}
	return s.redirect(c, "/disbursements/"+strconv.FormatInt(d.ID, 10), "ok", i18n.T(ctx, "disb.withdrawn_flash"))
}

// resendDisbursementCallback asks OY to send the callback again.
func (s *Server) resendDisbursementCallback(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.loadDisbursement(c)
	if err != nil {
		return err
	}
	to := "/disbursements/" + strconv.FormatInt(d.ID, 10)
	if !callbackToResend(d) {
		return s.redirect(c, to, "bad", i18n.T(ctx, "disb.no_callback"))
	}
	audit := s.auditEntry(c, "disbursement.resend_callback", "disbursement", strconv.FormatInt(d.ID, 10), "asked OY to resend the callback for ref "+d.PartnerTrxID)
	if err := s.disb.ResendCallback(ctx, d, audit); err != nil {
		msg := err.Error()
		var ie *disbursements.InquiryError
		if errors.As(err, &ie) {
			msg = ie.Text(ctx)
		}
		return s.redirect(c, to, "bad", msg)
	}
	return s.redirect(c, to, "ok", i18n.T(ctx, "disb.resend_asked"))
}
