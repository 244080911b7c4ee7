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
	ovopages "backoffice/web/templates/pages/ovo"
)

// ovoSpec declares the linked accounts list's filters.
func ovoSpec() *listkit.Spec {
	states := []components.Option{{Value: "", Label: "ovo.f_any"}}
	for _, st := range models.OVOAccountStates {
		states = append(states, components.Option{Value: string(st), Label: st.LabelKey()})
	}
	providers := []components.Option{{Value: "", Label: "ovo.f_both"}, {Value: models.OVOFaspay, Label: "Faspay"}, {Value: models.OVODoku, Label: "DOKU"}}
	return &listkit.Spec{Path: "/ovo-accounts", TestID: "ovo-filters", Fields: []listkit.Field{
		{Kind: listkit.Ref, Name: "q", Label: "ovo.f_phone", MaxLen: 24, Check: phoneStartCheck},
		{Kind: listkit.Text, Name: "name", Label: "ovo.f_name", MaxLen: 100},
		{Kind: listkit.Enum, Name: "provider", Label: "ovo.f_provider", Options: providers, Wrong: "ovo.f_wrong_provider"},
		{Kind: listkit.Enum, Name: "state", Label: "ovo.f_state", Options: states, Wrong: "ovo.f_wrong_state"},
	}}
}

// phoneStartCheck refuses a phone search that cannot be the start of a
// number; it returns the sentence's key.
func phoneStartCheck(q string) string {
	if _, ok := phone.Prefix(q); !ok {
		return "ovo.f_phone_start"
	}
	return ""
}

func ovoFilter(f *listkit.Form) (store.OVOAccountFilter, bool) {
	pre, ok := phone.Prefix(f.Value("q"))
	return store.OVOAccountFilter{Provider: f.Value("provider"), State: models.OVOAccountState(f.Value("state")), Phone: pre,
		Name: f.Value("name"), Cursor: f.Cursor}, ok
}

// showOVOAccounts lists linked accounts across both providers, or exports them.
func (s *Server) showOVOAccounts(c echo.Context) error {
	ctx := c.Request().Context()
	l := &listkit.List[models.OVOAccount]{
		Spec: ovoSpec(),
		Page: func(ctx context.Context, f *listkit.Form) (store.Page[models.OVOAccount], error) {
			filter, ok := ovoFilter(f)
			if !ok {
				return store.Page[models.OVOAccount]{}, nil
			}
			return s.store.ListOVOAccounts(ctx, filter, store.PageSize)
		},
		Each: func(ctx context.Context, f *listkit.Form, fn func(models.OVOAccount) error) error {
			filter, ok := ovoFilter(f)
			if !ok {
				return nil
			}
			return s.store.EachOVOAccount(ctx, filter, fn)
		},
		Export: listkit.Export{Name: "ovo-accounts", Columns: []listkit.Column{{Name: "id", Type: listkit.NumberColumn}, {Name: "customer_name"},
			{Name: "phone"}, {Name: "provider"}, {Name: "state"}, {Name: "reason"}, {Name: "linked_since", Type: listkit.TimeColumn},
			{Name: "cash", Type: listkit.MoneyColumn}, {Name: "points", Type: listkit.NumberColumn}, {Name: "balance_read", Type: listkit.TimeColumn}}},
		Row: func(a models.OVOAccount) []any {
			// Lists and exports show only the last four digits, for every role.
			// The state in the reader's words; the stored reason as written.
			return []any{a.ID, a.CustomerName, phone.Mask(a.Phone), models.OVOProviderLabel(a.Provider), a.State.In(ctx), a.StateReason,
				a.LinkedAt, a.Cash, a.Points, a.BalanceAt}
		},
		Exported: s.listExported("ovo_account.export", "ovo_account", "exported linked OVO accounts"),
		Failed:   s.exportFailed,
		Render: func(c echo.Context, status int, v listkit.View[models.OVOAccount]) error {
			f := v.Form
			p := ovopages.ListProps{Items: v.Page.Items, Bar: f.Bar(c.Request().Context()), Pager: listkit.Pager(f, v.Page), Exports: f.Exports(),
				Invalid: !f.OK(), CanLink: state(c).user.Role != models.RoleAuditor}
			if f.OK() {
				t := store.Totals{Count: int64(len(v.Page.Items))}
				for _, a := range v.Page.Items {
					if a.Cash != nil {
						t.Sum += *a.Cash
					}
				}
				if filter, ok := ovoFilter(f); ok && (f.Cursor != (store.Cursor{}) || v.Page.Next != 0) {
					var err error
					if t, err = s.store.OVOAccountTotals(c.Request().Context(), filter); err != nil {
						return err
					}
				}
				// The count only: a sum of balances read at different times means nothing.
				p.Totals = components.TotalsProps{Count: t.Count, Capped: t.Capped, Noun: i18n.T(ctx, "ovo.noun_accounts")}
				if t.Count == 1 && !t.Capped {
					p.Totals.Noun = i18n.T(ctx, "ovo.noun_account")
				}
			}
			return s.render(c, status, i18n.T(ctx, "ovo.title_list"), ovopages.List(p))
		},
	}
	return l.Serve(c)
}
