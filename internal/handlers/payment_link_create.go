package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/checkout"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	"backoffice/internal/wib"
	"backoffice/web/templates/components"
	"backoffice/web/templates/pages/invoices"
	"backoffice/web/templates/pages/paymentlinks"
)

// checkoutUploadLimit lets a PDF over OY's 2 MB reach the handler, which
// answers it in words; larger bodies are cut off by the router.
const checkoutUploadLimit = "8M"

var checkoutBankNames = map[string]string{"002": "BRI", "008": "Mandiri", "009": "BNI", "013": "Permata", "022": "CIMB Niaga"}

// readCheckoutForm decodes the named fields explicitly (the form moves money).
func readCheckoutForm(c echo.Context, kind models.CheckoutKind) checkout.Form {
	vals, _ := c.FormParams()
	f := checkout.Form{
		PartnerTxID: vals.Get("partner_tx_id"), Description: vals.Get("description"), Notes: vals.Get("notes"),
		SenderName: vals.Get("sender_name"), Amount: vals.Get("amount"), Email: vals.Get("email"), PhoneNumber: vals.Get("phone_number"),
		IsOpen: vals.Get("is_open") == "true", Step: vals.Get("step"), IncludeAdminFee: vals.Get("include_admin_fee") == "true",
		DisabledMethods: vals["list_disabled_payment_methods"], EnabledBanks: vals["list_enabled_banks"], Expiration: vals.Get("expiration"),
		Invoice: kind == models.KindInvoice,
	}
	if !f.Invoice {
		return f
	}
	f.PartnerUserID, f.FullName, f.IsVALifetime = vals.Get("partner_user_id"), vals.Get("full_name"), vals.Get("is_va_lifetime") == "true"
	items, descs, qtys, dates, prices := vals["item"], vals["item_description"], vals["quantity"], vals["date_of_purchase"], vals["price_per_item"]
	at := func(s []string, i int) string {
		if i < len(s) {
			return s[i]
		}
		return ""
	}
	n := max(len(items), len(descs), len(qtys), len(dates), len(prices))
	for i := range n {
		f.Lines = append(f.Lines, checkout.Line{Item: at(items, i), Description: at(descs, i), Quantity: at(qtys, i),
			DateOfPurchase: at(dates, i), PricePerItem: at(prices, i)})
	}
	if fh, err := c.FormFile("attachment"); err == nil && fh.Size > 0 {
		f.AttachmentName = fh.Filename
		if fh.Size > checkout.MaxAttachment {
			f.AttachmentTooBig = true
		} else if file, err := fh.Open(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(file, checkout.MaxAttachment+1))
			file.Close()
			f.Attachment = b
		}
	}
	return f
}

func readSchedule(c echo.Context) (bool, checkout.Schedule) {
	return c.FormValue("recurring") == "true", checkout.Schedule{Start: c.FormValue("recurring_start_date"), End: c.FormValue("recurring_end_date"),
		Period: c.FormValue("period"), EveryDays: c.FormValue("recurring_frequency"), MonthDay: c.FormValue("month_day")}
}

// renderCheckoutForm draws the form with its field errors (in the
// request's language) beside the fields.
func (s *Server) renderCheckoutForm(c echo.Context, status int, kind models.CheckoutKind, f checkout.Form, errs checkout.Errors) error {
	ctx := c.Request().Context()
	t := func(k string) string { return i18n.T(ctx, k) }
	texts := msgTexts(ctx, errs)
	p := paymentlinks.FormProps{Kind: kind, PartnerTxID: f.PartnerTxID, Description: f.Description, Notes: f.Notes, SenderName: f.SenderName,
		Amount: f.Amount, Email: f.Email, PhoneNumber: f.PhoneNumber, Step: f.Step, Expiration: f.Expiration, IsOpen: f.IsOpen,
		IncludeAdminFee: f.IncludeAdminFee, Disabled: f.DisabledMethods, Enabled: f.EnabledBanks, Errors: texts, CSRF: state(c).csrf,
		Methods: []components.Option{{Value: "VA", Label: t("checkout.method_va")}, {Value: "CREDIT_CARD", Label: t("checkout.method_credit_card")},
			{Value: "DEBIT_CARD", Label: t("checkout.method_debit_card")}},
		Steps: []components.Option{{Value: oy.StepInputAmount, Label: t("checkout.step_amount")}, {Value: oy.StepInputPersonalInfo, Label: t("checkout.step_personal")},
			{Value: oy.StepSelectPaymentMethod, Label: t("checkout.step_method")}}}
	for _, code := range oy.CheckoutVABanks {
		p.Banks = append(p.Banks, paymentlinks.Bank{Code: code, Name: checkoutBankNames[code]})
	}
	title := t("links.new")
	if kind == models.KindInvoice {
		title = t("invoices.new")
		rec, sc := readSchedule(c)
		x := invoices.ExtraProps{PartnerUserID: f.PartnerUserID, FullName: f.FullName, IsVALifetime: f.IsVALifetime, Errors: texts,
			Recurring: rec, Start: sc.Start, End: sc.End, Period: sc.Period, EveryDays: sc.EveryDays, MonthDay: sc.MonthDay}
		for _, l := range f.Lines {
			x.Lines = append(x.Lines, invoices.Line(l))
		}
		if len(x.Lines) == 0 {
			x.Lines = []invoices.Line{{Quantity: "1", DateOfPurchase: s.now().In(wib.Zone).Format("2006-01-02")}}
		}
		p.Extra = invoices.Extra(x)
	}
	return s.render(c, status, title, paymentlinks.Form(p))
}

func (s *Server) newCheckoutForm(kind models.CheckoutKind) checkout.Form {
	return checkout.Form{PartnerTxID: s.checkout.NewRef(kind), Step: oy.StepInputAmount, Invoice: kind == models.KindInvoice,
		Expiration: s.now().Add(checkout.DefaultExpiration).In(wib.Zone).Format(checkout.ExpirationLayout)}
}

func (s *Server) showPaymentLinkNew(c echo.Context) error {
	return s.renderCheckoutForm(c, http.StatusOK, models.KindPaymentLink, s.newCheckoutForm(models.KindPaymentLink), nil)
}

func (s *Server) showInvoiceNew(c echo.Context) error {
	return s.renderCheckoutForm(c, http.StatusOK, models.KindInvoice, s.newCheckoutForm(models.KindInvoice), nil)
}

func (s *Server) createPaymentLink(c echo.Context) error {
	return s.createCheckout(c, models.KindPaymentLink)
}
func (s *Server) createInvoice(c echo.Context) error {
	if rec, sc := readSchedule(c); rec {
		return s.createRecurring(c, sc)
	}
	return s.createCheckout(c, models.KindInvoice)
}

// createCheckout validates the form, stores the link and sends it to OY
// once; OY's refusal is shown beside the form with the input kept.
func (s *Server) createCheckout(c echo.Context, kind models.CheckoutKind) error {
	f := readCheckoutForm(c, kind)
	co, errs := f.Validate(s.now())
	if errs != nil {
		return s.renderCheckoutForm(c, http.StatusUnprocessableEntity, kind, f, errs)
	}
	u := state(c).user
	co.MakerID, co.MakerEmail, co.Source = &u.ID, u.Email, "form"
	summary := fmt.Sprintf("created %s %s for %s", kind, co.PartnerTxID, co.SenderName)
	if co.Amount > 0 {
		summary += ", " + rupiahText(co.Amount)
	}
	ctx := c.Request().Context()
	saved, err := s.checkout.Create(ctx, co, s.auditEntry(c, string(kind)+".create", string(kind), "", summary))
	if errors.Is(err, checkout.ErrDuplicateRef) {
		return s.renderCheckoutForm(c, http.StatusUnprocessableEntity, kind, f, checkout.Errors{"partner_tx_id": i18n.M("checkout.err_ref_taken")})
	}
	if err != nil {
		return err
	}
	to := paymentlinks.Path(*saved)
	switch saved.Status {
	case models.CheckoutRefused:
		f.PartnerTxID = s.checkout.NewRef(kind)
		return s.renderCheckoutForm(c, http.StatusUnprocessableEntity, kind, f, checkout.Errors{"_form": i18n.M("checkout.err_refused", "Reason", saved.OYMessage)})
	case models.CheckoutUnknown, models.CheckoutSending:
		return s.redirect(c, to, "warn", i18n.T(ctx, "checkout.flash_unknown"))
	}
	return s.redirect(c, to, "ok", i18n.T(ctx, "checkout.flash_created"))
}
