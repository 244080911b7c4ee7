package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"backoffice/internal/handlers/listkit"
	"backoffice/internal/models"
	"backoffice/internal/phone"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	ovopages "backoffice/web/templates/pages/ovo"
)

// ovoSpec declares the linked accounts list's filters.
func ovoSpec() *listkit.Spec {
	states := []components.Option{{Value: "", Label: "Any"}}
	for _, st := range models.OVOAccountStates {
		states = append(states, components.Option{Value: string(st), Label: st.Label()})
	}
	providers := []components.Option{{Value: "", Label: "Both"}, {Value: models.OVOFaspay, Label: "Faspay"}, {Value: models.OVODoku, Label: "DOKU"}}
	return &listkit.Spec{Path: "/ovo-accounts", TestID: "ovo-filters", Fields: []listkit.Field{
		{Kind: listkit.Ref, Name: "q", Label: "Phone starts with", MaxLen: 24, Check: phoneStartCheck},
		{Kind: listkit.Text, Name: "name", Label: "Customer name", MaxLen: 100},
		{Kind: listkit.Enum, Name: "provider", Label: "Provider", Options: providers, Wrong: "Choose Faspay or DOKU."},
		{Kind: listkit.Enum, Name: "state", Label: "State", Options: states, Wrong: "Choose a state from the list."},
	}}
}

// phoneStartCheck refuses a phone search that cannot be the start of a number.
func phoneStartCheck(q string) string {
	if _, ok := phone.Prefix(q); !ok {
		return "Type the start of a mobile number, like 0812 or +62 812."
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
			return []any{a.ID, a.CustomerName, phone.Mask(a.Phone), models.OVOProviderLabel(a.Provider), a.State.Label(), a.StateReason,
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
				p.Totals = components.TotalsProps{Count: t.Count, Capped: t.Capped, Noun: "accounts"}
				if t.Count == 1 && !t.Capped {
					p.Totals.Noun = "account"
				}
			}
			return s.render(c, status, "OVO accounts", ovopages.List(p))
		},
	}
	return l.Serve(c)
}
