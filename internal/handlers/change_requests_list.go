package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"backoffice/internal/handlers/listkit"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	"backoffice/web/templates/pages/changes"
)

// showChangeRequests lists the four-eyes change requests, or exports them.
func (s *Server) showChangeRequests(c echo.Context) error {
	// Option labels are catalogue keys, translated when the bar is drawn.
	statuses := []components.Option{{Value: "", Label: "change_req.any_status"}}
	for _, st := range models.ChangeStatuses {
		statuses = append(statuses, components.Option{Value: string(st), Label: st.Key()})
	}
	kinds := []components.Option{{Value: "", Label: "change_req.any_kind"}}
	for _, k := range models.ChangeKinds {
		kinds = append(kinds, components.Option{Value: string(k), Label: k.Key()})
	}
	l := &listkit.List[models.ChangeRequest]{
		Spec: &listkit.Spec{Path: "/change-requests", TestID: "change-request-filters", Fields: []listkit.Field{
			{Kind: listkit.Enum, Name: "status", Label: "change_req.filter_status", Options: statuses, Wrong: "change_req.wrong_status"},
			{Kind: listkit.Enum, Name: "kind", Label: "change_req.filter_kind", Options: kinds, Wrong: "change_req.wrong_kind"},
		}},
		Page: func(ctx context.Context, f *listkit.Form) (store.Page[models.ChangeRequest], error) {
			return s.store.ListChangeRequests(ctx, changeFilter(f), store.PageSize)
		},
		Each: func(ctx context.Context, f *listkit.Form, fn func(models.ChangeRequest) error) error {
			return s.store.EachChangeRequest(ctx, changeFilter(f), fn)
		},
		Export: listkit.Export{Name: "change-requests", Columns: []listkit.Column{{Name: "id", Type: listkit.NumberColumn}, {Name: "requested_at", Type: listkit.TimeColumn},
			{Name: "kind"}, {Name: "summary"}, {Name: "requested_by"}, {Name: "status"}, {Name: "decided_by"}, {Name: "decided_at", Type: listkit.TimeColumn}, {Name: "note"}}},
		Row: func(r models.ChangeRequest) []any {
			return []any{r.ID, r.RequestedAt, string(r.Kind), r.Summary, r.RequestedByEmail, string(r.Status), r.DecidedByEmail, r.DecidedAt, r.Note}
		},
		Exported: s.listExported("change_requests.export", "change_request", "exported the change requests"),
		Failed:   s.exportFailed,
		Render: func(c echo.Context, status int, v listkit.View[models.ChangeRequest]) error {
			return s.render(c, status, i18n.T(c.Request().Context(), "change_req.title"), changes.List(changes.ListProps{Requests: v.Page.Items, Bar: v.Form.Bar(c.Request().Context()),
				Pager: listkit.Pager(v.Form, v.Page), Exports: v.Form.Exports(), Invalid: !v.Form.OK()}))
		},
	}
	return l.Serve(c)
}

func changeFilter(f *listkit.Form) store.ChangeFilter {
	return store.ChangeFilter{Status: models.ChangeStatus(f.Value("status")), Kind: models.ChangeKind(f.Value("kind")), Cursor: f.Cursor}
}
