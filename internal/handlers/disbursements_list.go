package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/handlers/listkit"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	"backoffice/web/templates/pages/disbursements"
)

// bankOptions lists OY's bank and e-wallet codes for a select, after the
// first option (empty value) labelled first.
func bankOptions(first string) []components.Option {
	opts := []components.Option{{Value: "", Label: first}}
	banks := slices.Clone(oy.Banks)
	slices.SortFunc(banks, func(a, b oy.Bank) int { return strings.Compare(a.Name, b.Name) })
	for _, b := range banks {
		opts = append(opts, components.Option{Value: b.Code, Label: b.Name + " (" + b.Code + ")"})
	}
	return opts
}

func bankNames() map[string]string {
	m := make(map[string]string, len(oy.Banks))
	for _, b := range oy.Banks {
		m[b.Code] = b.Name
	}
	return m
}

// disbursementSpec declares the disbursement list's filters.
func (s *Server) disbursementSpec(ctx context.Context) (*listkit.Spec, error) {
	statuses := []components.Option{{Value: "", Label: "disb.any"}}
	for _, ds := range models.DisbursementStatuses {
		statuses = append(statuses, components.Option{Value: string(ds), Label: ds.LabelKey()})
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	makers := []components.Option{{Value: "", Label: "disb.anyone"}}
	for _, u := range users {
		if u.Role != models.RoleAuditor {
			makers = append(makers, components.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
		}
	}
	return &listkit.Spec{Path: "/disbursements", TestID: "disbursement-filters", Fields: []listkit.Field{
		{Kind: listkit.Ref, Name: "q", Label: "disb.f_q"},
		{Kind: listkit.Enum, Name: "status", Label: "disb.status", Options: statuses, Wrong: "disb.wrong_status"},
		{Kind: listkit.Enum, Name: "bank", Label: "disb.f_bank", Options: bankOptions("disb.all_banks"), Wrong: "disb.wrong_bank"},
		{Kind: listkit.Enum, Name: "maker", Label: "disb.f_maker", Options: makers, Wrong: "disb.wrong_maker"},
		{Kind: listkit.Amounts, Name: "min_amount", To: "max_amount", Label: "disb.f_amount_from", ToLabel: "disb.f_amount_to"},
		{Kind: listkit.Dates, Name: "from", To: "to", Label: "disb.f_from", ToLabel: "disb.f_to"},
		{Kind: listkit.ID, Name: "batch"},
	}}, nil
}

// disbursementFilter is the store filter of a valid disbursement form.
func disbursementFilter(f *listkit.Form) store.DisbursementFilter {
	out := store.DisbursementFilter{Status: models.DisbursementStatus(f.Value("status")), Bank: f.Value("bank"), Q: f.Value("q"),
		BatchID: f.ID("batch"), Cursor: f.Cursor}
	out.MakerID, _ = strconv.ParseInt(f.Value("maker"), 10, 64)
	out.MinAmount, out.MaxAmount = f.Amounts("min_amount")
	out.From, out.To = f.Dates("from")
	return out
}

// showDisbursements lists transfers with filters and totals, or exports them.
func (s *Server) showDisbursements(c echo.Context) error {
	spec, err := s.disbursementSpec(c.Request().Context())
	if err != nil {
		return err
	}
	names := bankNames()
	ctx := c.Request().Context()
	l := &listkit.List[models.Disbursement]{
		Spec: spec,
		Page: func(ctx context.Context, f *listkit.Form) (store.Page[models.Disbursement], error) {
			return s.store.ListDisbursements(ctx, disbursementFilter(f), store.PageSize)
		},
		Each: func(ctx context.Context, f *listkit.Form, fn func(models.Disbursement) error) error {
			return s.store.EachDisbursement(ctx, disbursementFilter(f), fn)
		},
		Export: listkit.Export{Name: "disbursements", Columns: []listkit.Column{{Name: "id", Type: listkit.NumberColumn}, {Name: "created", Type: listkit.TimeColumn},
			{Name: "partner_trx_id"}, {Name: "recipient_name"}, {Name: "bank_code"}, {Name: "bank"}, {Name: "account"}, {Name: "amount", Type: listkit.MoneyColumn},
			{Name: "status"}, {Name: "oy_code"}, {Name: "oy_trx_id"}, {Name: "maker"}, {Name: "note"}, {Name: "final", Type: listkit.TimeColumn}}},
		Row: func(d models.Disbursement) []any {
			return []any{d.ID, d.CreatedAt, d.PartnerTrxID, d.RecipientName, d.RecipientBank, names[d.RecipientBank], d.RecipientAccount, d.Amount,
				i18n.T(ctx, d.Status.LabelKey()), d.OYCode, d.TrxID, d.MakerEmail, d.Note, d.FinalAt}
		},
		Exported: s.listExported("disbursement.export", "disbursement", "exported disbursements"),
		Failed:   s.exportFailed,
		Render: func(c echo.Context, status int, v listkit.View[models.Disbursement]) error {
			f := v.Form
			p := disbursements.ListProps{Items: v.Page.Items, BankNames: names, Bar: f.Bar(ctx), Pager: listkit.Pager(f, v.Page), Exports: f.Exports(),
				Invalid: !f.OK(), CanCreate: state(c).user.Role != models.RoleAuditor, Batch: f.ID("batch")}
			if p.Batch != 0 {
				p.ClearBatch = f.URL("batch", "")
			}
			if f.OK() {
				t, err := s.disbursementTotals(ctx, f, v.Page)
				if err != nil {
					return err
				}
				p.Totals = components.TotalsProps{Count: t.Count, Sum: t.Sum, Capped: t.Capped, ShowSum: true, Noun: i18n.T(ctx, "disb.noun_many")}
				if t.Count == 1 && !t.Capped {
					p.Totals.Noun = i18n.T(ctx, "disb.noun_one")
				}
			}
			return s.render(c, status, i18n.T(ctx, "disb.title"), disbursements.List(p))
		},
	}
	return l.Serve(c)
}

// disbursementTotals is the count and sum above the list. The newest page
// with no older one holds every match, so it is its own total; otherwise
// the store answers (from day counters where they serve).
func (s *Server) disbursementTotals(ctx context.Context, f *listkit.Form, page store.Page[models.Disbursement]) (store.Totals, error) {
	if f.Cursor == (store.Cursor{}) && page.Next == 0 {
		t := store.Totals{Count: int64(len(page.Items))}
		for _, d := range page.Items {
			t.Sum += d.Amount
		}
		return t, nil
	}
	return s.store.DisbursementPageTotals(ctx, disbursementFilter(f))
}
