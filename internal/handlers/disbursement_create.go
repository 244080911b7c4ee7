package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/disbursements"
	"backoffice/internal/i18n"
	"backoffice/internal/providers/oy"
	"backoffice/internal/store"
	pages "backoffice/web/templates/pages/disbursements"
)

// createDisbursement turns a confirmed draft into a disbursement waiting
// for approval. The draft key makes it idempotent: a double click or a
// resubmitted form lands on the same disbursement.
func (s *Server) createDisbursement(c echo.Context) error {
	ctx := c.Request().Context()
	user := state(c).user
	draft, err := s.store.DraftByKey(ctx, c.FormValue("draft"), user.ID)
	if errors.Is(err, store.ErrNotFound) {
		return s.renderDisbursementForm(c, http.StatusUnprocessableEntity, readDisbursementForm(c),
			map[string]string{"_form": i18n.T(ctx, "disb.draft_invalid")})
	}
	if err != nil {
		return err
	}
	if s.now().Sub(draft.CreatedAt) > store.DraftLifetime {
		return s.renderDisbursementForm(c, http.StatusUnprocessableEntity, disbursements.Form{Bank: draft.RecipientBank, Account: draft.RecipientAccount,
			Amount: strconv.FormatInt(draft.Amount, 10), Note: draft.Note, Emails: draft.Emails},
			map[string]string{"_form": i18n.T(ctx, "disb.draft_expired")})
	}
	need, err := s.disb.ApprovalsNeeded(ctx, draft.Amount)
	if err != nil {
		return err
	}
	if c.FormValue("confirm_name") != "yes" {
		return s.render(c, http.StatusUnprocessableEntity, i18n.T(ctx, "disb.confirm_title"), pages.Confirm(pages.ConfirmProps{Draft: *draft,
			BankName: oy.BankName(draft.RecipientBank), ApprovalsNeeded: need, CSRF: state(c).csrf,
			Error: i18n.T(ctx, "disb.tick_recipient")}))
	}
	summary := fmt.Sprintf("%s to %s (%s %s), ref %s", rupiahText(draft.Amount), draft.RecipientName, draft.RecipientBank, draft.RecipientAccount, draft.PartnerTrxID)
	d, created, err := s.store.ConfirmDraft(ctx, draft, user, need, s.auditEntry(c, "disbursement.create", "disbursement", "", "created "+summary))
	if err != nil {
		return err
	}
	to := "/disbursements/" + strconv.FormatInt(d.ID, 10)
	if !created {
		return s.redirect(c, to, "info", i18n.T(ctx, "disb.already_created"))
	}
	return s.redirect(c, to, "ok", i18n.T(ctx, "disb.sent_for_approval"))
}
