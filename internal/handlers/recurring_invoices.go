package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/checkout"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/pages/invoices"
)

// createRecurring stores a recurring invoice template from the invoice
// form; the scheduler sends its invoices from the start date.
func (s *Server) createRecurring(c echo.Context, sc checkout.Schedule) error {
	f := readCheckoutForm(c, models.KindInvoice)
	u := state(c).user
	ctx := c.Request().Context()
	r, errs, err := s.checkout.CreateRecurring(ctx, f, sc, u, s.auditEntry(c, "recurring_invoice.create", "recurring_invoice", "", ""))
	if err != nil {
		return err
	}
	if errs != nil {
		return s.renderCheckoutForm(c, http.StatusUnprocessableEntity, models.KindInvoice, f, errs)
	}
	return s.redirect(c, "/invoices/recurring/"+strconv.FormatInt(r.ID, 10), "ok", i18n.T(ctx, "recurring.flash_saved", "Schedule", checkout.Describe(ctx, r)))
}

func (s *Server) showRecurringList(c echo.Context) error {
	items, err := s.store.ListRecurring(c.Request().Context(), 200)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, i18n.T(c.Request().Context(), "recurring.list_title"), invoices.RecurringList(invoices.RecurringListProps{Items: items, Describe: checkout.Describe}))
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
	return s.render(c, http.StatusOK, r.Title, invoices.Recurring(invoices.RecurringProps{R: *r, Schedule: checkout.Describe(c.Request().Context(), r),
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
		ctx := c.Request().Context()
		if errors.Is(err, store.ErrRecurringState) {
			return s.redirect(c, "/invoices/recurring/"+id, "bad", i18n.T(ctx, "recurring.flash_refused",
				"Status", strings.ToLower(i18n.T(ctx, r.Status.LabelKey())), "To", strings.ToLower(i18n.T(ctx, to.LabelKey()))))
		}
		if err != nil {
			return err
		}
		return s.redirect(c, "/invoices/recurring/"+id, "ok", i18n.T(ctx, recurringDoneKey(to)))
	}
}

// recurringDoneKey is the sentence that confirms a template's new state.
func recurringDoneKey(to models.RecurringStatus) string {
	switch to {
	case models.RecurringPaused:
		return "recurring.flash_paused"
	case models.RecurringEnded:
		return "recurring.flash_ended"
	}
	return "recurring.flash_active"
}
