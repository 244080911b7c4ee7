package handlers

import (
	"backoffice/internal/wib"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	"backoffice/web/templates/pages/disbursements"
)

// bankOptions lists OY's bank and e-wallet codes for a select.
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

// showDisbursements lists transfers with filters and totals, or streams CSV.
func (s *Server) showDisbursements(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	st := state(c)
	p := disbursements.ListProps{
		Status: q.Get("status"), Bank: q.Get("bank"), Maker: q.Get("maker"), MinAmount: strings.TrimSpace(q.Get("min_amount")),
		MaxAmount: strings.TrimSpace(q.Get("max_amount")), From: q.Get("from"), To: q.Get("to"), Q: strings.TrimSpace(q.Get("q")),
		Errors: map[string]string{}, BankNames: bankNames(), Banks: bankOptions("All banks"),
		CanCreate: st.user.Role != models.RoleAuditor,
	}
	p.Statuses = []components.Option{{Value: "", Label: "Any"}}
	for _, ds := range models.DisbursementStatuses {
		p.Statuses = append(p.Statuses, components.Option{Value: string(ds), Label: ds.Label()})
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return err
	}
	p.Makers = []components.Option{{Value: "", Label: "Anyone"}}
	for _, u := range users {
		if u.Role != models.RoleAuditor {
			p.Makers = append(p.Makers, components.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
		}
	}
	f := store.DisbursementFilter{Status: models.DisbursementStatus(p.Status), Bank: p.Bank, Q: p.Q}
	if b := q.Get("batch"); b != "" {
		id, err := strconv.ParseInt(b, 10, 64)
		if err != nil || id <= 0 {
			return echo.NewHTTPError(http.StatusBadRequest)
		}
		f.BatchID = id
	}
	if p.Status != "" && !slices.Contains(models.DisbursementStatuses, f.Status) {
		p.Errors["status"] = "Choose a status from the list."
	}
	if p.Bank != "" {
		if _, ok := oy.LookupBank(p.Bank); !ok {
			p.Errors["bank"] = "Choose a bank from the list."
		}
	}
	if p.Maker != "" {
		id, err := strconv.ParseInt(p.Maker, 10, 64)
		if err != nil || id <= 0 {
			p.Errors["maker"] = "Choose a person from the list."
		}
		f.MakerID = id
	}
	for _, a := range []struct {
		field, value string
		dst          *int64
	}{{"min_amount", p.MinAmount, &f.MinAmount}, {"max_amount", p.MaxAmount, &f.MaxAmount}} {
		if a.value == "" {
			continue
		}
		v, err := money.ParseInput(a.value)
		if err != nil {
			p.Errors[a.field] = "Use whole rupiah, like 1.000.000."
		}
		*a.dst = v
	}
	if f.MinAmount > 0 && f.MaxAmount > 0 && f.MinAmount > f.MaxAmount {
		p.Errors["max_amount"] = "The upper amount is below the lower one."
	}
	if len(p.Q) > 100 {
		p.Errors["q"] = "Use at most 100 characters."
	}
	f.From, f.To = parseDateRange(p.From, p.To, p.Errors)
	base := url.Values{}
	for _, k := range []string{"status", "bank", "maker", "min_amount", "max_amount", "from", "to", "q", "batch"} {
		if v := q.Get(k); v != "" {
			base.Set(k, v)
		}
	}
	p.CSVURL = withQuery("/disbursements", base, "format", "csv")
	if len(p.Errors) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, "Disbursements", disbursements.List(p))
	}
	if f.Before, err = parseCursor(q.Get("before")); err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return s.exportDisbursements(c, f)
	}
	page, err := s.store.ListDisbursements(ctx, f, store.PageSize)
	if err != nil {
		return err
	}
	p.Items = page.Items
	if p.Count, p.Sum, err = s.store.DisbursementTotals(ctx, f); err != nil {
		return err
	}
	if page.Next > 0 {
		p.NextURL = withQuery("/disbursements", base, "before", strconv.FormatInt(page.Next, 10))
	}
	if f.Before > 0 {
		p.FirstURL = withQuery("/disbursements", base, "before", "")
	}
	return s.render(c, http.StatusOK, "Disbursements", disbursements.List(p))
}

func (s *Server) exportDisbursements(c echo.Context, f store.DisbursementFilter) error {
	ctx := c.Request().Context()
	if err := s.store.Audit(ctx, s.auditEntry(c, "disbursement.export", "disbursement", "", "exported disbursements")); err != nil {
		return err
	}
	names := bankNames()
	header := []string{"id", "created_wib", "partner_trx_id", "recipient_name", "bank_code", "bank", "account", "amount", "status", "oy_code", "oy_trx_id", "maker", "note", "final_wib"}
	return s.streamCSV(c, "disbursements", header, func(write func(...string) error) error {
		return s.store.EachDisbursement(ctx, f, func(d models.Disbursement) error {
			final := ""
			if d.FinalAt != nil {
				final = wib.Format(*d.FinalAt)
			}
			return write(strconv.FormatInt(d.ID, 10), wib.Format(d.CreatedAt), d.PartnerTrxID, d.RecipientName, d.RecipientBank,
				names[d.RecipientBank], d.RecipientAccount, strconv.FormatInt(d.Amount, 10), d.Status.Label(), d.OYCode, d.TrxID, d.MakerEmail, d.Note, final)
		})
	})
}
