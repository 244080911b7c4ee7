package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/providers/ayopop"
	"backoffice/internal/topups"
	"backoffice/web/templates/components"
	pages "backoffice/web/templates/pages/topups"
)

// errTopupsOff answers top-up pages when the server was built without the
// workflow (a test harness of another screen).
var errTopupsOff = echo.NewHTTPError(http.StatusServiceUnavailable, "OVO top-ups are not available on this server.")

func readTopupForm(c echo.Context) topups.Form {
	return topups.Form{Phone: c.FormValue("phone"), Product: c.FormValue("product"), Amount: c.FormValue("amount")}
}

// productOptions lists Ayopop's active products with their prices, in
// the request's language.
func productOptions(ctx context.Context, products []ayopop.Product) (opts []components.Option, openHint string) {
	opts = []components.Option{{Value: "", Label: i18n.T(ctx, "topups.choose_product")}}
	var open []string
	for _, p := range products {
		label := p.Name + " — " + rupiahText(p.Amount)
		if p.IsOpenAmount() {
			label = i18n.T(ctx, "topups.product_open", "Product", p.Name, "Min", rupiahText(p.MinAmount), "Max", rupiahText(p.MaxAmount), "Fee", rupiahText(p.AdminFee))
			open = append(open, i18n.T(ctx, "topups.open_limits", "Product", p.Name, "Min", rupiahText(p.MinAmount), "Max", rupiahText(p.MaxAmount)))
		} else if p.AdminFee > 0 {
			label = i18n.T(ctx, "topups.product_fee", "Product", p.Name, "Amount", rupiahText(p.Amount), "Fee", rupiahText(p.AdminFee))
		}
		opts = append(opts, components.Option{Value: p.Code, Label: label})
	}
	openHint = i18n.T(ctx, "topups.open_hint")
	if len(open) > 0 {
		openHint = i18n.T(ctx, "topups.open_hint_limits", "Limits", strings.Join(open, "; "))
	}
	return opts, openHint
}

// depositProps is the Ayopop deposit banner of a page.
func (s *Server) depositProps(c echo.Context) (pages.DepositProps, error) {
	d, err := s.topups.Deposit(c.Request().Context())
	if err != nil {
		return pages.DepositProps{}, err
	}
	st := state(c)
	p := pages.DepositProps{Low: d.Low, Below: d.Below, CanRefresh: st.user.Role != models.RoleAuditor, CSRF: st.csrf}
	if d.Reading != nil {
		p.Balance, p.At = &d.Reading.Balance, i18n.Time(c.Request().Context(), d.Reading.At)
	}
	return p, nil
}

func (s *Server) renderTopupForm(c echo.Context, status int, f topups.Form, errs map[string]string) error {
	p := pages.NewProps{Phone: f.Phone, Product: f.Product, Amount: f.Amount, Errors: errs, CSRF: state(c).csrf}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	ctx := c.Request().Context()
	products, err := s.topups.Products(ctx)
	var ie *topups.InputError
	if errors.As(err, &ie) && p.Errors["_form"] == "" {
		p.Errors["_form"] = ie.Text(ctx)
	} else if err != nil && ie == nil {
		return err
	}
	p.Products, p.OpenHint = productOptions(ctx, products)
	if p.Deposit, err = s.depositProps(c); err != nil {
		return err
	}
	return s.render(c, status, i18n.T(ctx, "topups.title_new"), pages.New(p))
}

func (s *Server) showTopupNew(c echo.Context) error {
	if s.topups == nil {
		return errTopupsOff
	}
	return s.renderTopupForm(c, http.StatusOK, topups.Form{}, nil)
}

// inquireTopup validates the form and asks Ayopop about the OVO account
// and the price; the clerk then sees the customer name Ayopop returned.
func (s *Server) inquireTopup(c echo.Context) error {
	if s.topups == nil {
		return errTopupsOff
	}
	ctx := c.Request().Context()
	f := readTopupForm(c)
	products, err := s.topups.Products(ctx)
	var ie *topups.InputError
	if errors.As(err, &ie) {
		return s.renderTopupForm(c, http.StatusUnprocessableEntity, f, map[string]string{ie.Field: ie.Text(ctx)})
	}
	if err != nil {
		return err
	}
	parsed, errs := f.Validate(products)
	if len(errs) > 0 {
		return s.renderTopupForm(c, http.StatusUnprocessableEntity, f, topups.Texts(ctx, errs))
	}
	draft, err := s.topups.Inquire(ctx, state(c).user, parsed)
	if errors.As(err, &ie) {
		return s.renderTopupForm(c, http.StatusUnprocessableEntity, f, map[string]string{ie.Field: ie.Text(ctx)})
	}
	if err != nil {
		return err
	}
	need, err := s.topups.ApprovalsNeeded(ctx, draft.Total())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, i18n.T(ctx, "topups.title_confirm"), pages.Confirm(pages.ConfirmProps{Draft: *draft, ApprovalsNeeded: need, CSRF: state(c).csrf}))
}
