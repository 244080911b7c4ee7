package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"backoffice/internal/handlers/listkit"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/phone"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	pages "backoffice/web/templates/pages/topups"
)

// topupSpec declares the top-up list's filters.
func (s *Server) topupSpec(ctx context.Context) *listkit.Spec {
	statuses := []components.Option{{Value: "", Label: "topups.f_any"}}
	for _, st := range models.TopupStatuses {
		statuses = append(statuses, components.Option{Value: string(st), Label: st.LabelKey()})
	}
	products := []components.Option{{Value: "", Label: "topups.f_all_products"}}
	// The list stays usable when Ayopop's product list cannot be read.
	if ps, err := s.topups.Products(ctx); err == nil {
		for _, p := range ps {
			products = append(products, components.Option{Value: p.Code, Label: p.Name})
		}
	}
	return &listkit.Spec{Path: "/ovo-topups", TestID: "topup-filters", Fields: []listkit.Field{
		{Kind: listkit.Ref, Name: "q", Label: "topups.f_q", MaxLen: 40},
		{Kind: listkit.Enum, Name: "status", Label: "topups.f_status", Options: statuses, Wrong: "topups.f_wrong_status"},
		{Kind: listkit.Enum, Name: "product", Label: "topups.f_product", Options: products, Wrong: "topups.f_wrong_product"},
		{Kind: listkit.Dates, Name: "from", To: "to", Label: "topups.f_from", ToLabel: "topups.f_to"},
	}}
}

func topupFilter(f *listkit.Form) store.TopupFilter {
	out := store.TopupFilter{Status: models.TopupStatus(f.Value("status")), Product: f.Value("product"), Q: f.Value("q"), Cursor: f.Cursor}
	if pre, ok := phone.Prefix(out.Q); ok {
		out.PhoneQ = pre
	}
	out.From, out.To = f.Dates("from")
	return out
}

// showTopups lists top-ups with filters and totals, or exports them.
func (s *Server) showTopups(c echo.Context) error {
	ctx := c.Request().Context()
	if s.topups == nil {
		return s.showNotAvailable(i18n.T(ctx, "topups.title_list"), i18n.T(ctx, "topups.not_set_up"))(c)
	}
	l := &listkit.List[models.Topup]{
		Spec: s.topupSpec(ctx),
		Page: func(ctx context.Context, f *listkit.Form) (store.Page[models.Topup], error) {
			return s.store.ListTopups(ctx, topupFilter(f), store.PageSize)
		},
		Each: func(ctx context.Context, f *listkit.Form, fn func(models.Topup) error) error {
			return s.store.EachTopup(ctx, topupFilter(f), fn)
		},
		Export: listkit.Export{Name: "ovo-topups", Columns: []listkit.Column{{Name: "id", Type: listkit.NumberColumn}, {Name: "created", Type: listkit.TimeColumn},
			{Name: "ref_number"}, {Name: "customer_name"}, {Name: "phone"}, {Name: "product_code"}, {Name: "product"},
			{Name: "amount", Type: listkit.MoneyColumn}, {Name: "admin_fee", Type: listkit.MoneyColumn}, {Name: "total", Type: listkit.MoneyColumn},
			{Name: "status"}, {Name: "ayopop_code"}, {Name: "ayopop_transaction_id"}, {Name: "serial_number"}, {Name: "maker"},
			{Name: "paid", Type: listkit.TimeColumn}, {Name: "final", Type: listkit.TimeColumn}}},
		Row: func(t models.Topup) []any {
			return []any{t.ID, t.CreatedAt, t.RefNumber, t.CustomerName, phone.Local(t.Phone), t.ProductCode, t.ProductName,
				t.Amount, t.AdminFee, t.Total(), t.Status.In(ctx), t.Code, t.TransactionID, t.SerialNumber, t.MakerEmail, t.PaidAt, t.FinalAt}
		},
		Exported: s.listExported("topup.export", "topup", "exported OVO top-ups"),
		Failed:   s.exportFailed,
		Render: func(c echo.Context, status int, v listkit.View[models.Topup]) error {
			f := v.Form
			p := pages.ListProps{Items: v.Page.Items, Bar: f.Bar(c.Request().Context()), Pager: listkit.Pager(f, v.Page), Exports: f.Exports(),
				Invalid: !f.OK(), CanCreate: state(c).user.Role != models.RoleAuditor}
			var err error
			if p.Deposit, err = s.depositProps(c); err != nil {
				return err
			}
			if f.OK() {
				t, err := s.topupTotals(c.Request().Context(), f, v.Page)
				if err != nil {
					return err
				}
				p.Totals = pages.TotalsProps{Count: t.Count, Amount: t.Amount, Fees: t.Fees, Capped: t.Capped}
			}
			return s.render(c, status, i18n.T(ctx, "topups.title_list"), pages.List(p))
		},
	}
	return l.Serve(c)
}

// topupTotals: the newest page with no older one is its own total.
func (s *Server) topupTotals(ctx context.Context, f *listkit.Form, page store.Page[models.Topup]) (store.TopupTotals, error) {
	if f.Cursor == (store.Cursor{}) && page.Next == 0 {
		t := store.TopupTotals{Count: int64(len(page.Items))}
		for _, x := range page.Items {
			t.Amount += x.Amount
			t.Fees += x.AdminFee
		}
		return t, nil
	}
	return s.store.TopupPageTotals(ctx, topupFilter(f))
}
