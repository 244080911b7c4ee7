package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/phone"
	"backoffice/internal/store"
	pages "backoffice/web/templates/pages/topups"
)

// createTopup turns a confirmed draft into a top-up: waiting for approval
// above the threshold, otherwise paid now. The draft key makes it
// idempotent: a double click or a resubmitted form lands on the same
// top-up and pays nothing more.
func (s *Server) createTopup(c echo.Context) error {
	if s.topups == nil {
		return errTopupsOff
	}
	ctx := c.Request().Context()
	user := state(c).user
	draft, err := s.store.TopupDraftByKey(ctx, c.FormValue("draft"), user.ID)
	if errors.Is(err, store.ErrNotFound) {
		return s.renderTopupForm(c, http.StatusUnprocessableEntity, readTopupForm(c),
			map[string]string{"_form": i18n.T(ctx, "topups.draft_gone")})
	}
	if err != nil {
		return err
	}
	if c.FormValue("confirm_name") != "yes" {
		need, err := s.topups.ApprovalsNeeded(ctx, draft.Total())
		if err != nil {
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, i18n.T(ctx, "topups.title_confirm"), pages.Confirm(pages.ConfirmProps{Draft: *draft, ApprovalsNeeded: need,
			CSRF: state(c).csrf, Error: i18n.T(ctx, "topups.err_confirm_name")}))
	}
	summary := fmt.Sprintf("OVO top-up %s (+ fee %s) to %s (%s), ref %s", rupiahText(draft.Amount), rupiahText(draft.AdminFee), draft.CustomerName,
		phone.Mask(draft.Phone), draft.RefNumber)
	res, err := s.topups.Confirm(ctx, draft, user, s.auditEntry(c, "topup.create", "topup", "", "created "+summary))
	if err != nil {
		return err
	}
	to := "/ovo-topups/" + strconv.FormatInt(res.Topup.ID, 10)
	switch {
	case !res.Created:
		return s.redirect(c, to, "info", i18n.T(ctx, "topups.already_made"))
	case !res.Claimed:
		return s.redirect(c, to, "ok", i18n.T(ctx, "topups.sent_for_approval"))
	}
	return s.redirect(c, to, "ok", i18n.T(ctx, "topups.paid_flash", "Status", res.Topup.Status.In(ctx)))
}
