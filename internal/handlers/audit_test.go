package handlers

import (
	"backoffice/internal/auth"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"backoffice/internal/models"
)

func TestAuditLogFiltersPagesAndExports(t *testing.T) {
	a := newTestApp(t)
	for range 3 {
		a.signedIn(models.RoleFinance)
	}
	b := a.signedIn(models.RoleAuditor)

	p := b.get("/audit-log?action=login.ok&actor=FINANCE@example.com")
	if n := rows(doc(t, p), "audit-row"); p.Status != http.StatusOK || n != 3 {
		t.Fatalf("filtered rows = %d", n)
	}
	if n := rows(doc(t, b.get("/audit-log?q=SIGNED+IN")), "audit-row"); n != 4 {
		t.Fatalf("free text rows = %d", n)
	}

	for q, field := range map[string]string{"from=21-11-2026": "from", "to=yesterday": "to", "action=nope": "action", "from=2026-11-21&to=2026-11-01": "to"} {
		p := b.get("/audit-log?" + q)
		if p.Status != http.StatusUnprocessableEntity || rows(doc(t, p), "error-"+field) != 1 {
			t.Errorf("%s: status %d, no error beside %s", q, p.Status, field)
		}
	}
	if p := b.get("/audit-log?before=xyz"); p.Status != http.StatusBadRequest {
		t.Errorf("bad cursor: %d", p.Status)
	}

	resp, err := b.c.Get(a.http.URL + "/audit-log?format=csv&actor=finance@example.com")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[0][0] != "id" || recs[1][2] != "finance@example.com" || !strings.HasSuffix(recs[1][1], "+07:00") {
		t.Fatalf("csv = %v", recs)
	}
	if count(auditActions(t, a), "audit_log.export") != 1 {
		t.Fatal("the export was not recorded")
	}
}

func TestAuditLogPagesWithACursor(t *testing.T) {
	a := newTestApp(t)
	for range 60 {
		a.browser().login("nobody@example.com", "wrong password here")
		a.clock.Advance(auth.ThrottleWindow) // keep the IP under the throttle
	}
	b := a.signedIn(models.RoleAdmin)
	first := doc(t, b.get("/audit-log?action=login.failed"))
	if n := rows(first, "audit-row"); n != 50 {
		t.Fatalf("first page rows = %d", n)
	}
	older := href(first, "pager-older")
	if older == "" || href(first, "pager-newer") != "" || href(first, "pager-first") != "" {
		t.Fatal("the first page's links are wrong")
	}
	second := doc(t, b.get(older))
	if n := rows(second, "audit-row"); n != 10 {
		t.Fatalf("second page rows = %d (%s)", n, older)
	}
	if href(second, "pager-older") != "" || href(second, "pager-first") != "/audit-log?action=login.failed" {
		t.Fatalf("second page links: older %q first %q", href(second, "pager-older"), href(second, "pager-first"))
	}
	if v, _ := second.Find(`select[name="action"] option[selected]`).Attr("value"); v != "login.failed" {
		t.Fatalf("the filter did not survive paging: %q", v)
	}
	back := doc(t, b.get(href(second, "pager-newer")))
	if rows(back, "audit-row") != 50 || href(back, "pager-newer") != "" {
		t.Fatal("Newer does not lead back to the first page")
	}
}
