package handlers

import (
	"context"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/handlers/listkit"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	"backoffice/web/templates/pages/callbacks"
)

// countCap is the window of newest matching callbacks the status counts
// cover when the day counters cannot answer (a reference search).
const countCap = store.CountCap

// callbackSpec declares the callback log's filters.
func (s *Server) callbackSpec() *listkit.Spec {
	providers := []components.Option{{Value: "", Label: "callbacks.all_providers"}}
	kinds := []components.Option{{Value: "", Label: "callbacks.all_types"}}
	for _, ep := range s.callbacks.Endpoints {
		if !slices.ContainsFunc(providers, func(o components.Option) bool { return o.Value == ep.Provider }) {
			providers = append(providers, components.Option{Value: ep.Provider, Label: ep.Provider})
		}
		kinds = append(kinds, components.Option{Value: ep.Kind, Label: endpointLabel(ep.Provider, ep.Kind, ep.Label)})
	}
	statuses := []components.Option{{Value: "", Label: "callbacks.any"}}
	for _, cs := range models.CallbackStatuses {
		statuses = append(statuses, components.Option{Value: string(cs), Label: cs.LabelKey()})
	}
	return &listkit.Spec{Path: "/callback-log", TestID: "callback-filters", Fields: []listkit.Field{
		{Kind: listkit.Ref, Name: "q", Label: "callbacks.filter_ref"},
		{Kind: listkit.Enum, Name: "provider", Label: "callbacks.col_provider", Options: providers, Wrong: "callbacks.wrong_provider"},
		{Kind: listkit.Enum, Name: "kind", Label: "callbacks.col_type", Options: kinds, Wrong: "callbacks.wrong_type"},
		{Kind: listkit.Enum, Name: "verified", Label: "callbacks.col_verification", Wrong: "callbacks.wrong_verified",
			Options: []components.Option{{Value: "", Label: "callbacks.any"}, {Value: "yes", Label: "callbacks.verified"}, {Value: "no", Label: "callbacks.not_verified"}}},
		{Kind: listkit.Enum, Name: "status", Label: "callbacks.col_processing", Options: statuses, Wrong: "callbacks.wrong_status"},
		{Kind: listkit.Dates, Name: "from", To: "to", Label: "callbacks.filter_from", ToLabel: "callbacks.filter_to"},
		{Kind: listkit.Flag, Name: "duplicate", Label: "callbacks.filter_duplicates"},
	}}
}

// endpointLabel is the catalogue key naming a callback endpoint, or the
// endpoint's own label (English) for one the catalogue does not name yet.
func endpointLabel(provider, kind, label string) string {
	switch provider + " " + kind {
	case "oy disbursement":
		return "callbacks.ep_oy_disbursement"
	case "oy va":
		return "callbacks.ep_oy_va"
	case "oy checkout":
		return "callbacks.ep_oy_checkout"
	case "faspay ovo-linkage":
		return "callbacks.ep_faspay_linkage"
	case "faspay payment-notification":
		return "callbacks.ep_faspay_payment"
	case "doku token":
		return "callbacks.ep_doku_token"
	case "doku debit-notify":
		return "callbacks.ep_doku_notify"
	case "ayopop topup":
		return "callbacks.ep_ayopop_topup"
	}
	return label
}

// callbackFilter is the store filter of a valid callback log form.
func callbackFilter(f *listkit.Form) store.CallbackFilter {
	out := store.CallbackFilter{Provider: f.Value("provider"), Kind: f.Value("kind"), Status: models.CallbackStatus(f.Value("status")),
		Ref: f.Value("q"), Duplicate: f.Flag("duplicate"), Cursor: f.Cursor}
	if v := f.Value("verified"); v != "" {
		yes := v == "yes"
		out.Verified = &yes
	}
	out.From, out.To = f.Dates("from")
	return out
}

// showCallbackLog lists the callback log with filters, or exports it.
func (s *Server) showCallbackLog(c echo.Context) error {
	l := &listkit.List[models.Callback]{
		Spec: s.callbackSpec(),
		Page: func(ctx context.Context, f *listkit.Form) (store.Page[models.Callback], error) {
			return s.store.ListCallbacks(ctx, callbackFilter(f), store.PageSize)
		},
		Each: func(ctx context.Context, f *listkit.Form, fn func(models.Callback) error) error {
			return s.store.EachCallback(ctx, callbackFilter(f), fn)
		},
		Export: listkit.Export{Name: "callback-log", Columns: []listkit.Column{{Name: "id", Type: listkit.NumberColumn}, {Name: "received", Type: listkit.TimeColumn},
			{Name: "provider"}, {Name: "type"}, {Name: "method"}, {Name: "path"}, {Name: "source_ip"}, {Name: "verified"}, {Name: "verification_reason"},
			{Name: "duplicate_of", Type: listkit.NumberColumn}, {Name: "references"}, {Name: "status"}, {Name: "attempts", Type: listkit.NumberColumn},
			{Name: "record_type"}, {Name: "record_id"}, {Name: "reply_status", Type: listkit.NumberColumn}}},
		Row: func(cb models.Callback) []any {
			return []any{cb.ID, cb.ReceivedAt, cb.Provider, cb.Kind, cb.Method, cb.Path, cb.SourceIP, cb.Verified, cb.VerifyReason,
				cb.DuplicateOf, cb.Refs, string(cb.Status), cb.Attempts, cb.RecordType, cb.RecordID, cb.ReplyStatus}
		},
		Exported: s.listExported("callback_log.export", "callback_log", "exported the callback log"),
		Failed:   s.exportFailed,
		Render:   s.renderCallbackLog,
	}
	return l.Serve(c)
}

func (s *Server) renderCallbackLog(c echo.Context, status int, v listkit.View[models.Callback]) error {
	st := state(c)
	f := v.Form
	p := callbacks.ListProps{Callbacks: v.Page.Items, Bar: f.Bar(c.Request().Context()), Pager: listkit.Pager(f, v.Page), Exports: f.Exports(), Invalid: !f.OK(),
		CanReplay: st.user.Role == models.RoleAdmin, CSRF: st.csrf}
	for k, vals := range f.Query() {
		p.Filters = append(p.Filters, components.Option{Label: k, Value: vals[0]})
	}
	slices.SortFunc(p.Filters, func(a, b components.Option) int { return strings.Compare(a.Label, b.Label) })
	if f.OK() {
		ctx := c.Request().Context()
		counts, cappedAt, err := s.store.CallbackPageCounts(ctx, callbackFilter(f))
		if err != nil {
			return err
		}
		p.CountsCappedAt = cappedAt
		for _, cs := range models.CallbackStatuses {
			p.Counts = append(p.Counts, callbacks.StatusCount{Status: cs, Count: components.FormatCount(counts[cs]), Active: f.Value("status") == string(cs),
				URL: f.URL("status", string(cs))})
		}
		from, to := f.Dates("from")
		refused, err := s.store.RefusalCounts(ctx, store.RefusalCountsFilter{Provider: f.Value("provider"), Kind: f.Value("kind"), From: from, To: to})
		if err != nil {
			return err
		}
		for _, what := range callbacks.RefusedOrder {
			if n := refused[what]; n > 0 {
				p.Refused = append(p.Refused, callbacks.RefusedCount{What: what, Count: n})
			}
		}
	}
	return s.render(c, status, i18n.T(c.Request().Context(), "callbacks.title"), callbacks.List(p))
}
