package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
	"backoffice/internal/providers/ayopop"
	"backoffice/internal/topups"
	"backoffice/internal/wib"
	"backoffice/web/templates/components"
	pages "backoffice/web/templates/pages/topups"
)

// errTopupsOff answers top-up pages when the server was built without the
// workflow (a test harness of another screen).
var errTopupsOff = echo.NewHTTPError(http.StatusServiceUnavailable, "OVO top-ups are not available on this server.")

func readTopupForm(c echo.Context) topups.Form {
	return topups.Form{Phone: c.FormValue("phone"), Product: c.FormValue("product"), Amount: c.FormValue("amount")}
}

// productOptions lists Ayopop's active products with their prices.
func productOptions(first string, products []ayopop.Product) (opts []components.Option, openHint string) {
	opts = []components.Option{{Value: "", Label: first}}
	var open []string
	for _, p := range products {
		label := p.Name + " — " + rupiahText(p.Amount)
		if p.IsOpenAmount() {
			label = p.Name + " — any amount " + rupiahText(p.MinAmount) + " to " + rupiahText(p.MaxAmount) + ", admin fee " + rupiahText(p.AdminFee)
			open = append(open, p.Name+": "+rupiahText(p.MinAmount)+" to "+rupiahText(p.MaxAmount))
		} else if p.AdminFee > 0 {
			label += " + admin fee " + rupiahText(p.AdminFee)
		}
		opts = append(opts, components.Option{Value: p.Code, Label: label})
	}
	openHint = "Only for the open product; leave it empty for a fixed denomination."
	if len(open) > 0 {
		openHint = "Only for the open product (" + strings.Join(open, "; ") + "), in whole rupiah. Leave it empty for a fixed denomination."
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
		p.Balance, p.At = &d.Reading.Balance, wib.Format(d.Reading.At)
	}
	return p, nil
}

func (s *Server) renderTopupForm(c echo.Context, status int, f topups.Form, errs map[string]string) error {
	p := pages.NewProps{Phone: f.Phone, Product: f.Product, Amount: f.Amount, Errors: errs, CSRF: state(c).csrf}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	products, err := s.topups.Products(c.Request().Context())
	var ie *topups.InputError
	if errors.As(err, &ie) && p.Errors["_form"] == "" {
		p.Errors["_form"] = ie.Message
	} else if err != nil && ie == nil {
		return err
	}
	p.Products, p.OpenHint = productOptions("Choose a product…", products)
	if p.Deposit, err = s.depositProps(c); err != nil {
		return err
	}
	return s.render(c, status, "New OVO top-up", pages.New(p))
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
		return s.renderTopupForm(c, http.StatusUnprocessableEntity, f, map[string]string{ie.Field: ie.Message})
	}
	if err != nil {
		return err
	}
	parsed, errs := f.Validate(products)
	if len(errs) > 0 {
		return s.renderTopupForm(c, http.StatusUnprocessableEntity, f, errs)
	}
	draft, err := s.topups.Inquire(ctx, state(c).user, parsed)
	if errors.As(err, &ie) {
		return s.renderTopupForm(c, http.StatusUnprocessableEntity, f, map[string]string{ie.Field: ie.Message})
	}
	if err != nil {
		return err
	}
	need, err := s.topups.ApprovalsNeeded(ctx, draft.Total())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "Confirm the customer", pages.Confirm(pages.ConfirmProps{Draft: *draft, ApprovalsNeeded: need, CSRF: state(c).csrf}))
}
