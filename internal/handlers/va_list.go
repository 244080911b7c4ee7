package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"backoffice/internal/handlers/listkit"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	vapages "backoffice/web/templates/pages/va"
)

// vaBankOptions lists OY's VA banks by name.
func vaBankOptions(first string) []components.Option {
	opts := []components.Option{{Value: "", Label: first}}
	for _, b := range oy.VABanks {
		opts = append(opts, components.Option{Value: b.Code, Label: b.Name + " (" + b.Code + ")"})
	}
	return opts
}

func vaBankNames() map[string]string {
	m := make(map[string]string, len(oy.VABanks))
	for _, b := range oy.VABanks {
		m[b.Code] = b.Name
	}
	return m
}

// vaSpec declares the VA list's filters; labels are catalogue keys.
var vaSpec = func() *listkit.Spec {
	statuses := []components.Option{{Value: "", Label: "vas.any"}}
	for _, st := range models.VAStatuses {
		statuses = append(statuses, components.Option{Value: string(st), Label: st.LabelKey()})
	}
	return &listkit.Spec{Path: "/virtual-accounts", TestID: "va-filters", Fields: []listkit.Field{
		{Kind: listkit.Ref, Name: "q", Label: "vas.filter_q", MaxLen: 255},
		{Kind: listkit.Enum, Name: "status", Label: "vas.filter_status", Options: statuses, Wrong: "vas.filter_status_wrong"},
		{Kind: listkit.Enum, Name: "bank", Label: "vas.filter_bank", Options: vaBankOptions("vas.filter_all_banks"), Wrong: "vas.filter_bank_wrong"},
		{Kind: listkit.Enum, Name: "open", Label: "vas.col_accepts", Options: []components.Option{{Value: "", Label: "vas.any"}, {Value: "open", Label: "vas.any_amount"}, {Value: "closed", Label: "vas.exact_amount"}},
			Wrong: "vas.filter_open_wrong"},
		{Kind: listkit.Enum, Name: "single_use", Label: "vas.col_single_use", Options: []components.Option{{Value: "", Label: "vas.any"}, {Value: "yes", Label: "vas.yes"}, {Value: "no", Label: "vas.no"}},
			Wrong: "vas.filter_single_wrong"},
		{Kind: listkit.Amounts, Name: "min_amount", To: "max_amount", Label: "vas.filter_amount_from", ToLabel: "vas.filter_amount_to"},
		{Kind: listkit.Amounts, Name: "min_detected", To: "max_detected", Label: "vas.filter_detected_from", ToLabel: "vas.filter_detected_to"},
		{Kind: listkit.Dates, Name: "from", To: "to", Label: "vas.filter_created_from", ToLabel: "vas.filter_created_to"},
		{Kind: listkit.Dates, Name: "exp_from", To: "exp_to", Label: "vas.filter_expires_from", ToLabel: "vas.filter_expires_to"},
	}}
}()

func vaFilter(f *listkit.Form) store.VAFilter {
	out := store.VAFilter{Status: models.VAStatus(f.Value("status")), Bank: f.Value("bank"), Open: f.Value("open"),
		SingleUse: f.Value("single_use"), Q: f.Value("q"), Cursor: f.Cursor}
	out.MinAmount, out.MaxAmount = f.Amounts("min_amount")
	out.MinDetected, out.MaxDetected = f.Amounts("min_detected")
	out.From, out.To = f.Dates("from")
	out.ExpFrom, out.ExpTo = f.Dates("exp_from")
	return out
}

// showVirtualAccounts lists VAs with filters and totals, or exports them.
func (s *Server) showVirtualAccounts(c echo.Context) error {
	if s.va == nil {
		return echo.ErrServiceUnavailable
	}
	ctx := c.Request().Context()
	// OY sends no callback when a VA expires: mark the overdue ones first,
	// so the status filter and the export agree with the page.
	if _, err := s.store.ExpireVAs(ctx, s.now()); err != nil {
		return err
	}
	names := vaBankNames()
	l := &listkit.List[models.VirtualAccount]{
		Spec: vaSpec,
		Page: func(ctx context.Context, f *listkit.Form) (store.Page[models.VirtualAccount], error) {
			return s.store.ListVAs(ctx, vaFilter(f), store.PageSize)
		},
		Each: func(ctx context.Context, f *listkit.Form, fn func(models.VirtualAccount) error) error {
			return s.store.EachVA(ctx, vaFilter(f), fn)
		},
		Export: listkit.Export{Name: "virtual-accounts", Columns: []listkit.Column{{Name: "id", Type: listkit.NumberColumn}, {Name: "va_number"},
			{Name: "bank_code"}, {Name: "bank"}, {Name: "partner_user_id"}, {Name: "username_display"}, {Name: "is_open"}, {Name: "is_single_use"},
			{Name: "amount", Type: listkit.MoneyColumn}, {Name: "amount_detected", Type: listkit.MoneyColumn}, {Name: "va_status"},
			{Name: "created", Type: listkit.TimeColumn}, {Name: "expires", Type: listkit.TimeColumn}, {Name: "oy_id"}, {Name: "source"}}},
		Row: func(v models.VirtualAccount) []any {
			var exp any
			if v.ExpiresAt != nil && !v.IsLifetime {
				exp = *v.ExpiresAt
			}
			return []any{v.ID, v.VANumber, v.BankCode, names[v.BankCode], v.PartnerUserID, v.UsernameDisplay, boolWord(v.IsOpen), boolWord(v.IsSingleUse),
				v.Amount, v.AmountDetected, string(v.StatusAt(s.now())), v.CreatedAt, exp, v.OYID, v.Source}
		},
		Exported: s.listExported("va.export", "virtual_account", "exported virtual accounts"),
		Failed:   s.exportFailed,
		Render: func(c echo.Context, status int, v listkit.View[models.VirtualAccount]) error {
			f := v.Form
			ctx := c.Request().Context()
			p := vapages.ListProps{Items: v.Page.Items, BankNames: names, Now: s.now(), Bar: f.Bar(ctx), Pager: listkit.Pager(f, v.Page),
				Exports: f.Exports(), Invalid: !f.OK(), CanCreate: state(c).user.Role == models.RoleAdmin}
			last, err := s.va.LastSync(ctx)
			if err != nil {
				return err
			}
			p.LastSync = last
			if f.OK() {
				t, err := s.store.VATotals(ctx, vaFilter(f))
				if err != nil {
					return err
				}
				p.Totals = components.TotalsProps{Count: t.Count, Sum: t.Sum, Capped: t.Capped, ShowSum: true, Noun: i18n.T(ctx, "vas.totals_noun_other")}
				if t.Count == 1 && !t.Capped {
					p.Totals.Noun = i18n.T(ctx, "vas.totals_noun_one")
				}
			}
			return s.render(c, status, i18n.T(ctx, "vas.list_title"), vapages.List(p))
		},
	}
	return l.Serve(c)
}

func boolWord(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
