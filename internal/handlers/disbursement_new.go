package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/disbursements"
	"backoffice/internal/i18n"
	"backoffice/internal/providers/oy"
	pages "backoffice/web/templates/pages/disbursements"
)

func readDisbursementForm(c echo.Context) disbursements.Form {
	return disbursements.Form{
		Bank: c.FormValue("recipient_bank"), Account: c.FormValue("recipient_account"), Amount: c.FormValue("amount"),
		Note: c.FormValue("note"), Emails: c.FormValue("email"),
	}
}

// renderDisbursementForm draws the form with what was typed and errs,
// sentences already in the request's language.
func (s *Server) renderDisbursementForm(c echo.Context, status int, f disbursements.Form, errs map[string]string) error {
	ctx := c.Request().Context()
	p := pages.NewProps{Bank: f.Bank, Account: f.Account, Amount: f.Amount, Note: f.Note, Emails: f.Emails, Errors: errs,
		Banks: bankOptions(i18n.T(ctx, "disb.choose_bank")), CSRF: state(c).csrf}
	if readings, err := s.store.BalanceReadings(ctx, 1); err == nil && len(readings) > 0 {
		p.Available = &readings[0].Available
		if th, err := s.disb.LowBalanceThreshold(ctx); err == nil && th > 0 && readings[0].Available < th {
			p.LowBalance = true
		}
	}
	return s.render(c, status, i18n.T(ctx, "disb.new"), pages.New(p))
}

func (s *Server) showDisbursementNew(c echo.Context) error {
	return s.renderDisbursementForm(c, http.StatusOK, disbursements.Form{}, nil)
}

// inquireDisbursement validates the form and runs OY's mandatory account
// inquiry; the clerk then sees the name the bank returned.
func (s *Server) inquireDisbursement(c echo.Context) error {
	ctx := c.Request().Context()
	f := readDisbursementForm(c)
	parsed, errs := f.Validate()
	if len(errs) > 0 {
		texts := make(map[string]string, len(errs))
		for field, m := range errs {
			texts[field] = m.In(ctx)
		}
		return s.renderDisbursementForm(c, http.StatusUnprocessableEntity, f, texts)
	}
	user := state(c).user
	draft, err := s.disb.Inquire(c.Request().Context(), user, parsed)
	var ie *disbursements.InquiryError
	if errors.As(err, &ie) {
		return s.renderDisbursementForm(c, http.StatusUnprocessableEntity, f, map[string]string{ie.Field: ie.Text(ctx)})
	}
	if err != nil {
		return err
	}
	need, err := s.disb.ApprovalsNeeded(c.Request().Context(), draft.Amount)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, i18n.T(ctx, "disb.confirm_title"), pages.Confirm(pages.ConfirmProps{Draft: *draft, BankName: oy.BankName(draft.RecipientBank),
		ApprovalsNeeded: need, CSRF: state(c).csrf}))
}
