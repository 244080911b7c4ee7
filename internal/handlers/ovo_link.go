package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/ovo"
	"backoffice/internal/store"
	ovopages "backoffice/web/templates/pages/ovo"
)

// ovoService is the OVO workflow, or 503 when the server was built without it.
func (s *Server) ovoService() (*ovo.Service, error) {
	if s.ovo == nil {
		return nil, echo.NewHTTPError(http.StatusServiceUnavailable, "OVO accounts are not set up on this server.")
	}
	return s.ovo, nil
}

func readLinkForm(c echo.Context) ovo.LinkForm {
	return ovo.LinkForm{Name: c.FormValue("cust_name"), Phone: c.FormValue("phone_no"), Provider: c.FormValue("provider")}
}

func (s *Server) renderLinkForm(c echo.Context, status int, f ovo.LinkForm, errs map[string]string) error {
	return s.render(c, status, i18n.T(c.Request().Context(), "ovo.title_new"), ovopages.New(ovopages.NewProps{Name: f.Name, Phone: f.Phone, Provider: f.Provider,
		Errors: errs, CSRF: state(c).csrf}))
}

func (s *Server) showOVOLinkNew(c echo.Context) error {
	return s.renderLinkForm(c, http.StatusOK, ovo.LinkForm{}, nil)
}

// linkOVOAccount validates the form and asks the provider for the OVO
// page the customer opens; the account then waits for the provider.
func (s *Server) linkOVOAccount(c echo.Context) error {
	f := readLinkForm(c)
	ctx := c.Request().Context()
	r, errs := f.Validate()
	if len(errs) > 0 {
		return s.renderLinkForm(c, http.StatusUnprocessableEntity, f, ovo.Texts(ctx, errs))
	}
	svc, err := s.ovoService()
	if err != nil {
		return err
	}
	a, err := svc.Link(ctx, state(c).user, r, s.auditEntry(c, "ovo_account.link", "ovo_account", "", ""))
	if fe, ok := ovo.AsFieldError(err); ok {
		return s.renderLinkForm(c, http.StatusUnprocessableEntity, f, map[string]string{fe.Field: fe.Text(ctx)})
	}
	if err != nil {
		return err
	}
	return s.redirect(c, "/ovo-accounts/"+strconv.FormatInt(a.ID, 10), "ok",
		i18n.T(ctx, "ovo.linked_flash", "Provider", models.OVOProviderLabel(a.Provider)))
}

// dokuBindingReturn is where DOKU sends the customer's browser after OVO's
// binding page. It needs no sign-in: the custIdMerchant in the path is a
// random id only DOKU and this dashboard know, and success is confirmed by
// exchanging the authCode with DOKU.
func (s *Server) dokuBindingReturn(c echo.Context) error {
	svc, err := s.ovoService()
	if err != nil {
		return err
	}
	result := c.Param("result")
	if result != "success" && result != "failed" {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	_, msg, err := svc.DokuReturn(ctx, c.Param("cust"), result, c.QueryParam("authCode"))
	if errors.Is(err, store.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	title := i18n.T(ctx, "ovo.title_return")
	p := ovopages.ReturnProps{Title: title, Message: ovo.MessageIn(ctx, msg), OK: result == "success"}
	return s.render(c, http.StatusOK, title, ovopages.Return(p))
}
