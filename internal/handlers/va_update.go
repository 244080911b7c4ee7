package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	vasvc "backoffice/internal/va"
	vapages "backoffice/web/templates/pages/va"
)

func (s *Server) renderVAEdit(c echo.Context, status int, v *models.VirtualAccount, f vasvc.UpdateForm, errs map[string]string) error {
	p := vapages.FormProps{Edit: true, ID: v.ID, VANumber: v.VANumber, Amount: f.Amount, ExpirationTime: f.ExpirationTime,
		UsernameDisplay: f.UsernameDisplay, Email: f.Email, IsOpen: f.IsOpen, IsSingleUse: f.IsSingleUse, IsLifetime: f.IsLifetime,
		Errors: errs, CSRF: state(c).csrf}
	return s.render(c, status, i18n.T(c.Request().Context(), "vas.edit_page_title"), vapages.Form(p))
}

// loadOpenVA loads the VA of the route; an expired or complete one answers
// its page with the reason (409), as OY accepts no change to it.
func (s *Server) loadOpenVA(c echo.Context) (*models.VirtualAccount, error) {
	if s.va == nil {
		return nil, echo.ErrServiceUnavailable
	}
	v, err := loadByID(c, s.store.VirtualAccountByID)
	if err != nil {
		return nil, err
	}
	if why := v.WhyNoUpdate(s.now()); !why.IsZero() {
		return nil, s.redirect(c, vapages.Path(v.ID), "bad", why.In(c.Request().Context()))
	}
	return v, nil
}

func (s *Server) showVAEdit(c echo.Context) error {
	v, err := s.loadOpenVA(c)
	if v == nil {
		return err
	}
	f := vasvc.UpdateForm{UsernameDisplay: v.UsernameDisplay, Email: v.Email, IsOpen: v.IsOpen, IsSingleUse: v.IsSingleUse, IsLifetime: v.IsLifetime}
	if v.Amount > 0 {
		f.Amount = strconv.FormatInt(v.Amount, 10)
	}
	return s.renderVAEdit(c, http.StatusOK, v, f, nil)
}

// updateVA sends Update VA with the form and stores OY's answer.
func (s *Server) updateVA(c echo.Context) error {
	v, err := s.loadOpenVA(c)
	if v == nil {
		return err
	}
	f := vasvc.UpdateForm{Amount: c.FormValue("amount"), ExpirationTime: c.FormValue("expiration_time"), UsernameDisplay: c.FormValue("username_display"),
		Email: c.FormValue("email"), IsOpen: c.FormValue("is_open") == "true", IsSingleUse: c.FormValue("is_single_use") == "true",
		IsLifetime: c.FormValue("is_lifetime") == "true"}
	ctx := c.Request().Context()
	params, errs := f.Validate()
	if len(errs) > 0 {
		return s.renderVAEdit(c, http.StatusUnprocessableEntity, v, f, msgTexts(ctx, errs))
	}
	summary := fmt.Sprintf("updated VA %s: is_open=%t is_single_use=%t is_lifetime=%t amount=%q expiration_time=%q username_display=%q",
		v.VANumber, f.IsOpen, f.IsSingleUse, f.IsLifetime, f.Amount, f.ExpirationTime, f.UsernameDisplay)
	_, err = s.va.Update(ctx, v, params, s.auditEntry(c, "va.update", "virtual_account", strconv.FormatInt(v.ID, 10), summary))
	var fe *vasvc.FieldError
	if errors.As(err, &fe) {
		return s.renderVAEdit(c, http.StatusUnprocessableEntity, v, f, map[string]string{fe.Field: fe.In(ctx)})
	}
	if err != nil {
		return err
	}
	return s.redirect(c, vapages.Path(v.ID), "ok", i18n.T(ctx, "vas.flash_saved"))
}
