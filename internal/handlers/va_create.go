package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	vasvc "backoffice/internal/va"
	vapages "backoffice/web/templates/pages/va"
)

// newFormKey is the idempotency key a create form carries: made once when
// the form is drawn, so a double submit is one request.
func newFormKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func readVAForm(c echo.Context) vasvc.Form {
	return vasvc.Form{PartnerUserID: c.FormValue("partner_user_id"), BankCode: c.FormValue("bank_code"), Amount: c.FormValue("amount"),
		ExpirationTime: c.FormValue("expiration_time"), UsernameDisplay: c.FormValue("username_display"), Email: c.FormValue("email"),
		IsOpen: c.FormValue("is_open") == "true", IsSingleUse: c.FormValue("is_single_use") == "true", IsLifetime: c.FormValue("is_lifetime") == "true"}
}

// msgTexts is a form's field errors in the request's language.
func msgTexts(ctx context.Context, errs map[string]i18n.Message) map[string]string {
	out := make(map[string]string, len(errs))
	for k, m := range errs {
		out[k] = m.In(ctx)
	}
	return out
}

func (s *Server) renderVAForm(c echo.Context, status int, f vasvc.Form, key string, errs map[string]string) error {
	ctx := c.Request().Context()
	p := vapages.FormProps{PartnerUserID: f.PartnerUserID, BankCode: f.BankCode, Amount: f.Amount, ExpirationTime: f.ExpirationTime,
		UsernameDisplay: f.UsernameDisplay, Email: f.Email, IsOpen: f.IsOpen, IsSingleUse: f.IsSingleUse, IsLifetime: f.IsLifetime,
		Key: key, Errors: errs, Banks: vaBankOptions(i18n.T(ctx, "vas.f_choose_bank")), CSRF: state(c).csrf}
	return s.render(c, status, i18n.T(ctx, "vas.new"), vapages.Form(p))
}

func (s *Server) showVANew(c echo.Context) error {
	if s.va == nil {
		return echo.ErrServiceUnavailable
	}
	return s.renderVAForm(c, http.StatusOK, vasvc.Form{IsOpen: true}, newFormKey(), nil)
}

// createVA validates the form and sends one Create VA for its key.
func (s *Server) createVA(c echo.Context) error {
	if s.va == nil {
		return echo.ErrServiceUnavailable
	}
	ctx := c.Request().Context()
	f := readVAForm(c)
	key := c.FormValue("key")
	if len(key) < 16 || len(key) > 64 {
		return s.renderVAForm(c, http.StatusUnprocessableEntity, f, newFormKey(), map[string]string{"_form": i18n.T(ctx, "vas.form_stale")})
	}
	params, errs := f.Validate()
	if len(errs) > 0 {
		return s.renderVAForm(c, http.StatusUnprocessableEntity, f, key, msgTexts(ctx, errs))
	}
	user := state(c).user
	audit := s.auditEntry(c, "va.create", "virtual_account", "", "")
	v, created, err := s.va.Create(ctx, key, user.Email, params, audit)
	var fe *vasvc.FieldError
	switch {
	case errors.As(err, &fe):
		// OY refused: nothing was made; a fresh key lets the clerk fix and resend.
		return s.renderVAForm(c, http.StatusUnprocessableEntity, f, newFormKey(), map[string]string{fe.Field: fe.In(ctx)})
	case errors.Is(err, vasvc.ErrInFlight):
		return s.redirect(c, "/virtual-accounts", "info", i18n.T(ctx, "vas.flash_in_flight"))
	case errors.Is(err, vasvc.ErrUnknown):
		return s.redirect(c, "/virtual-accounts", "warn", i18n.T(ctx, "vas.flash_unknown"))
	case err != nil:
		return err
	}
	if !created {
		return s.redirect(c, vapages.Path(v.ID), "info", i18n.T(ctx, "vas.flash_repeat"))
	}
	return s.redirect(c, vapages.Path(v.ID), "ok", i18n.T(ctx, "vas.flash_created"))
}

// canEditVA: admins change VAs (PRODUCT.md).
func canEditVA(u *models.User) bool { return u != nil && u.Role == models.RoleAdmin }
