package handlers

import (
	"context"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	"backoffice/web/templates/pages/audit"

	"backoffice/internal/handlers/listkit"
)

// showAuditLog lists the audit log with filters, or exports it.
func (s *Server) showAuditLog(c echo.Context) error {
	actions, err := s.store.AuditActions(c.Request().Context())
	if err != nil {
		return err
	}
	opts := []components.Option{{Value: "", Label: "audit.all_actions"}}
	for _, a := range actions {
		opts = append(opts, components.Option{Value: a, Label: a})
	}
	staff, err := s.staffOptions(c)
	if err != nil {
		return err
	}
	l := &listkit.List[models.AuditEntry]{
		Spec: &listkit.Spec{Path: "/audit-log", TestID: "audit-filters", Fields: []listkit.Field{
			{Kind: listkit.Enum, Name: "actor", Label: "audit.filter_staff", Options: staff, Wrong: "audit.wrong_staff"},
			{Kind: listkit.Enum, Name: "action", Label: "audit.col_action", Options: opts, Wrong: "audit.wrong_action"},
			{Kind: listkit.Dates, Name: "from", To: "to", Label: "audit.filter_from", ToLabel: "audit.filter_to"},
			{Kind: listkit.Text, Name: "q", Label: "audit.filter_search"},
		}},
		Page: func(ctx context.Context, f *listkit.Form) (store.Page[models.AuditEntry], error) {
			return s.store.ListAudit(ctx, auditFilter(f), store.PageSize)
		},
		Each: func(ctx context.Context, f *listkit.Form, fn func(models.AuditEntry) error) error {
			return s.store.EachAudit(ctx, auditFilter(f), fn)
		},
		Export: listkit.Export{Name: "audit-log", Columns: []listkit.Column{{Name: "id", Type: listkit.NumberColumn}, {Name: "time", Type: listkit.TimeColumn},
			{Name: "actor_email"}, {Name: "action"}, {Name: "object_type"}, {Name: "object_id"}, {Name: "summary"}, {Name: "ip"}, {Name: "request_id"}}},
		Row: func(e models.AuditEntry) []any {
			return []any{e.ID, e.At, e.ActorEmail, e.Action, e.ObjectType, e.ObjectID, e.Summary, e.IP, e.RequestID}
		},
		Exported: s.listExported("audit_log.export", "audit_log", "exported the audit log"),
		Failed:   s.exportFailed,
		Render: func(c echo.Context, status int, v listkit.View[models.AuditEntry]) error {
			return s.render(c, status, i18n.T(c.Request().Context(), "audit.title"), audit.List(audit.Props{Entries: v.Page.Items, Bar: v.Form.Bar(c.Request().Context()),
				Pager: listkit.Pager(v.Form, v.Page), Exports: v.Form.Exports(), Invalid: !v.Form.OK()}))
		},
	}
	return l.Serve(c)
}

func auditFilter(f *listkit.Form) store.AuditFilter {
	from, to := f.Dates("from")
	return store.AuditFilter{Actor: f.Value("actor"), Action: f.Value("action"), Q: f.Value("q"), From: from, To: to, Cursor: f.Cursor}
}

// staffOptions lists every staff account, disabled ones too (their
// entries stay), to pick whose entries to see. An email typed in another
// case in the address is read as the account's own.
func (s *Server) staffOptions(c echo.Context) ([]components.Option, error) {
	users, err := s.store.ListUsers(c.Request().Context())
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	opts := []components.Option{{Value: "", Label: "audit.all_staff"}}
	q := c.QueryParams()
	for _, u := range users {
		label := i18n.T(ctx, "audit.staff_option", "Name", u.Name, "Email", u.Email)
		if u.Disabled {
			label = i18n.T(ctx, "audit.staff_option_disabled", "Name", u.Name, "Email", u.Email)
		}
		opts = append(opts, components.Option{Value: u.Email, Label: label})
		if v := q.Get("actor"); v != u.Email && strings.EqualFold(strings.TrimSpace(v), u.Email) {
			q.Set("actor", u.Email)
		}
	}
	return opts, nil
}
