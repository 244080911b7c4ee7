package handlers

import (
	"backoffice/internal/wib"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	"backoffice/web/templates/pages/audit"
)

// showAuditLog lists the audit log with filters, or streams it as CSV.
func (s *Server) showAuditLog(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	p := audit.Props{
		Actor:  strings.TrimSpace(q.Get("actor")),
		Action: q.Get("action"),
		From:   q.Get("from"),
		To:     q.Get("to"),
		Q:      strings.TrimSpace(q.Get("q")),
		Errors: map[string]string{},
	}
	actions, err := s.store.AuditActions(ctx)
	if err != nil {
		return err
	}
	p.Actions = []components.Option{{Value: "", Label: "All actions"}}
	for _, a := range actions {
		p.Actions = append(p.Actions, components.Option{Value: a, Label: a})
	}
	f := store.AuditFilter{Actor: p.Actor, Action: p.Action, Q: p.Q}
	if len(p.Actor) > 254 {
		p.Errors["actor"] = "Use at most 254 characters."
	}
	if len(p.Q) > 100 {
		p.Errors["q"] = "Use at most 100 characters."
	}
	if p.Action != "" && !slices.Contains(actions, p.Action) {
		p.Errors["action"] = "Choose an action from the list."
	}
	f.From, f.To = parseDateRange(p.From, p.To, p.Errors)
	if f.Before, err = parseCursor(q.Get("before")); err != nil {
		return err
	}
	base := url.Values{}
	for _, k := range []string{"actor", "action", "from", "to", "q"} {
		if v := q.Get(k); v != "" {
			base.Set(k, v)
		}
	}
	p.CSVURL = withQuery("/audit-log", base, "format", "csv")
	if len(p.Errors) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, "Audit log", audit.List(p))
	}
	if q.Get("format") == "csv" {
		return s.exportAuditLog(c, f)
	}
	page, err := s.store.ListAudit(ctx, f, store.PageSize)
	if err != nil {
		return err
	}
	p.Entries = page.Items
	if page.Next > 0 {
		p.NextURL = withQuery("/audit-log", base, "before", strconv.FormatInt(page.Next, 10))
	}
	if f.Before > 0 {
		p.FirstURL = withQuery("/audit-log", base, "before", "")
	}
	return s.render(c, http.StatusOK, "Audit log", audit.List(p))
}

func (s *Server) exportAuditLog(c echo.Context, f store.AuditFilter) error {
	ctx := c.Request().Context()
	// Who exported what is itself worth knowing.
	summary := fmt.Sprintf("exported audit log (actor=%q action=%q q=%q)", f.Actor, f.Action, f.Q)
	if err := s.store.Audit(ctx, s.auditEntry(c, "audit_log.export", "audit_log", "", summary)); err != nil {
		return err
	}
	header := []string{"id", "time_wib", "time_utc", "actor_email", "action", "object_type", "object_id", "summary", "ip", "request_id"}
	return s.streamCSV(c, "audit-log", header, func(write func(...string) error) error {
		return s.store.EachAudit(ctx, f, func(e models.AuditEntry) error {
			return write(strconv.FormatInt(e.ID, 10), wib.Format(e.At), e.At.UTC().Format(time.RFC3339),
				e.ActorEmail, e.Action, e.ObjectType, e.ObjectID, e.Summary, e.IP, e.RequestID)
		})
	})
}
