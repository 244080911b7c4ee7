package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/ovo"
	"backoffice/internal/phone"
	"backoffice/internal/providers/clerktext"
	ovopages "backoffice/web/templates/pages/ovo"
)

func ovoPath(id int64) string { return "/ovo-accounts/" + strconv.FormatInt(id, 10) }

// refreshOVOBalance reads the balance from the provider and stores it.
func (s *Server) refreshOVOBalance(c echo.Context) error {
	svc, err := s.ovoService()
	if err != nil {
		return err
	}
	a, err := s.loadOVOAccount(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	err = svc.RefreshBalance(ctx, a)
	var ref *ovo.Refusal
	if errors.As(err, &ref) {
		return s.renderOVOAccount(c, http.StatusUnprocessableEntity, a, ovopages.PayProps{}, ref.Text(ctx))
	}
	if err != nil {
		return err
	}
	return s.redirect(c, ovoPath(a.ID), "ok", i18n.T(ctx, "ovo.balance_read"))
}

// payOVOAccount charges a linked account; the customer confirms with their
// PIN on the page the provider returned.
func (s *Server) payOVOAccount(c echo.Context) error {
	svc, err := s.ovoService()
	if err != nil {
		return err
	}
	a, err := s.loadOVOAccount(c)
	if err != nil {
		return err
	}
	f := ovo.PayForm{Amount: c.FormValue("amount"), Description: c.FormValue("description"), PayType: c.FormValue("pay_type"), Email: c.FormValue("email"),
		Key: c.FormValue("pay_key")}
	kept := ovopages.PayProps{Amount: f.Amount, Description: f.Description, PayType: f.PayType, Email: f.Email, Key: f.Key}
	ctx := c.Request().Context()
	r, errs := f.Validate(a.Provider)
	if len(errs) > 0 {
		kept.Errors = ovo.Texts(ctx, errs)
		return s.renderOVOAccount(c, http.StatusUnprocessableEntity, a, kept, "")
	}
	p, err := svc.Pay(ctx, state(c).user, a, r, s.auditEntry(c, "ovo_payment.create", "ovo_payment", "", ""))
	var ref *ovo.Refusal
	if errors.As(err, &ref) {
		return s.renderOVOAccount(c, http.StatusUnprocessableEntity, a, kept, ref.Text(ctx))
	}
	if errors.Is(err, ovo.ErrAlreadyCharged) {
		return s.redirect(c, ovoPath(a.ID)+"#payment-"+strconv.FormatInt(p.ID, 10), "info", i18n.T(ctx, "ovo.already_charged"))
	}
	if err != nil {
		return err
	}
	kind := "ok"
	if p.Status.Final() || p.Status == models.OVOPayTokenExpired || p.Status == models.OVOPayUnknown {
		kind = "bad"
	}
	// The payment's stored words stay English in the table; the message
	// about the charge just sent is in the reader's language.
	return s.redirect(c, ovoPath(a.ID)+"#payment-"+strconv.FormatInt(p.ID, 10), kind,
		i18n.T(ctx, "ovo.pay_result", "Status", p.Status.In(ctx), "Text", clerktext.Translate(ctx, p.CodeText)))
}

// showOVOUnlink asks for confirmation, naming the customer and phone.
func (s *Server) showOVOUnlink(c echo.Context) error {
	a, err := s.loadOVOAccount(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, i18n.T(c.Request().Context(), "ovo.title_unlink"), ovopages.Unlink(ovopages.UnlinkProps{A: *a, FullPhone: phone.Local(a.Phone), CSRF: state(c).csrf}))
}

// unlinkOVOAccount unlinks at the provider, then records it with the audit entry.
func (s *Server) unlinkOVOAccount(c echo.Context) error {
	svc, err := s.ovoService()
	if err != nil {
		return err
	}
	a, err := s.loadOVOAccount(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	err = svc.Unlink(ctx, a, s.auditEntry(c, "ovo_account.unlink", "ovo_account", strconv.FormatInt(a.ID, 10), ""))
	var ref *ovo.Refusal
	if errors.As(err, &ref) {
		return s.renderOVOAccount(c, http.StatusUnprocessableEntity, a, ovopages.PayProps{}, ref.Text(ctx))
	}
	if err != nil {
		return err
	}
	return s.redirect(c, ovoPath(a.ID), "ok", i18n.T(ctx, "ovo.unlinked_flash", "Name", a.CustomerName, "Phone", phone.Mask(a.Phone)))
}
