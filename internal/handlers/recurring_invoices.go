package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/checkout"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/pages/invoices"
)

// createRecurring stores a recurring invoice template from the invoice
// form; the scheduler sends its invoices from the start date.
func (s *Server) createRecurring(c echo.Context, sc checkout.Schedule) error {
	f := readCheckoutForm(c, models.KindInvoice)
	u := state(c).user
	r, errs, err := s.checkout.CreateRecurring(c.Request().Context(), f, sc, u, s.auditEntry(c, "recurring_invoice.create", "recurring_invoice", "", ""))
	if err != nil {
		return err
	}
	if errs != nil {
		return s.renderCheckoutForm(c, http.StatusUnprocessableEntity, models.KindInvoice, f, errs)
	}
	return s.redirect(c, "/invoices/recurring/"+strconv.FormatInt(r.ID, 10), "ok",
		"Recurring invoice saved: "+checkout.Describe(r)+". Each invoice is created and sent through OY on its date.")
}

func (s *Server) showRecurringList(c echo.Context) error {
	items, err := s.store.ListRecurring(c.Request().Context(), 200)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "Recurring invoices", invoices.RecurringList(invoices.RecurringListProps{Items: items, Describe: checkout.Describe}))
}

func (s *Server) showRecurring(c echo.Context) error {
	r, err := loadByID(c, s.store.Recurring)
	if err != nil {
		return err
	}
	page, err := s.store.ListCheckouts(c.Request().Context(), store.CheckoutFilter{Kind: models.KindInvoice, RecurringID: r.ID}, 200)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, r.Title, invoices.Recurring(invoices.RecurringProps{R: *r, Schedule: checkout.Describe(r),
		Upcoming: checkout.Upcoming(r, 6), Invoices: page.Items, CanEdit: state(c).user.Role == models.RoleAdmin, CSRF: state(c).csrf}))
}

// setRecurringTo pauses, resumes or ends a template (audited).
func (s *Server) setRecurringTo(to models.RecurringStatus, verb string) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := loadByID(c, s.store.Recurring)
		if err != nil {
			return err
		}
		id := strconv.FormatInt(r.ID, 10)
		audit := s.auditEntry(c, "recurring_invoice."+verb, "recurring_invoice", id, verb+" recurring invoice "+id+" ("+r.Title+")")
		err = s.checkout.SetRecurring(c.Request().Context(), r, to, audit)
		if errors.Is(err, store.ErrRecurringState) {
			return s.redirect(c, "/invoices/recurring/"+id, "bad", "It is "+strings.ToLower(r.Status.Label())+", so it cannot be "+to.Label()+" from here; nothing changed.")
		}
		if err != nil {
			return err
		}
		return s.redirect(c, "/invoices/recurring/"+id, "ok", "Recurring invoice "+to.Label()+".")
	}
}
