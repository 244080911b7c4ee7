package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"backoffice/internal/handlers/listkit"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	"backoffice/web/templates/pages/paymentlinks"
)

// checkoutSpec declares the filters of the payment link and invoice lists.
func checkoutSpec(kind models.CheckoutKind) *listkit.Spec {
	statuses := []components.Option{{Value: "", Label: "links.any"}}
	for _, st := range models.CheckoutStatuses {
		statuses = append(statuses, components.Option{Value: string(st), Label: st.LabelKey()})
	}
	return &listkit.Spec{Path: paymentlinks.Base(kind), TestID: string(kind) + "-filters", Fields: []listkit.Field{
		{Kind: listkit.Text, Name: "q", Label: "links.filter_q", MaxLen: 64},
		{Kind: listkit.Enum, Name: "status", Label: "links.filter_status", Options: statuses, Wrong: "links.filter_status_wrong"},
		{Kind: listkit.Dates, Name: "from", To: "to", Label: "links.filter_from", ToLabel: "links.filter_to"},
		{Kind: listkit.ID, Name: "recurring"},
	}}
}

func checkoutFilter(kind models.CheckoutKind, f *listkit.Form) store.CheckoutFilter {
	out := store.CheckoutFilter{Kind: kind, Status: models.CheckoutStatus(f.Value("status")), Q: f.Value("q"), RecurringID: f.ID("recurring"), Cursor: f.Cursor}
	out.From, out.To = f.Dates("from")
	return out
}

func (s *Server) showCheckoutListOf(kind models.CheckoutKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		l := &listkit.List[models.Checkout]{
			Spec: checkoutSpec(kind),
			Page: func(ctx context.Context, f *listkit.Form) (store.Page[models.Checkout], error) {
				return s.store.ListCheckouts(ctx, checkoutFilter(kind, f), store.PageSize)
			},
			Each: func(ctx context.Context, f *listkit.Form, fn func(models.Checkout) error) error {
				return s.store.EachCheckout(ctx, checkoutFilter(kind, f), fn)
			},
			Export: listkit.Export{Name: string(kind) + "s", Columns: []listkit.Column{{Name: "id", Type: listkit.NumberColumn}, {Name: "created", Type: listkit.TimeColumn},
				{Name: "partner_tx_id"}, {Name: "sender_name"}, {Name: "description"}, {Name: "amount", Type: listkit.MoneyColumn}, {Name: "is_open"},
				{Name: "status"}, {Name: "paid_amount", Type: listkit.MoneyColumn}, {Name: "payment_method"}, {Name: "sender_bank"}, {Name: "va_number"},
				{Name: "paid", Type: listkit.TimeColumn}, {Name: "expiration", Type: listkit.TimeColumn}, {Name: "url"}, {Name: "maker"}, {Name: "catch_up"}}},
			Row: func(co models.Checkout) []any {
				return []any{co.ID, co.CreatedAt, co.PartnerTxID, co.SenderName, co.Description, co.Amount, yesNo(co.IsOpen), co.Status.Label(),
					co.PaidAmount, co.PaymentMethod, co.SenderBank, co.VANumber, co.PaidAt, co.Expiration, co.URL, co.MakerEmail, yesNo(co.CatchUp)}
			},
			Exported: s.listExported(string(kind)+".export", string(kind), "exported "+string(kind)+"s"),
			Failed:   s.exportFailed,
			Render: func(c echo.Context, status int, v listkit.View[models.Checkout]) error {
				f := v.Form
				ctx := c.Request().Context()
				p := paymentlinks.ListProps{Kind: kind, Items: v.Page.Items, Bar: f.Bar(ctx), Pager: listkit.Pager(f, v.Page), Exports: f.Exports(),
					Invalid: !f.OK(), CanCreate: state(c).user.Role == models.RoleAdmin}
				if f.OK() {
					t, err := s.store.CheckoutPageTotals(ctx, checkoutFilter(kind, f))
					if err != nil {
						return err
					}
					one, other := "links.totals_one", "links.totals_other"
					if kind == models.KindInvoice {
						one, other = "invoices.totals_one", "invoices.totals_other"
					}
					noun := i18n.T(ctx, other)
					if t.Count == 1 && !t.Capped {
						noun = i18n.T(ctx, one)
					}
					p.Totals = components.TotalsProps{Count: t.Count, Sum: t.Sum, Capped: t.Capped, ShowSum: true, Noun: noun}
					p.Paid = t.Paid
				}
				title := i18n.T(ctx, "links.list_title")
				if kind == models.KindInvoice {
					title = i18n.T(ctx, "invoices.list_title")
				}
				return s.render(c, status, title, paymentlinks.List(p))
			},
		}
		return l.Serve(c)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
