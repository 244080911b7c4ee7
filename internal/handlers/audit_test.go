package handlers

import (
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

	p := b.get("/audit-log?action=login.ok&actor=finance@example.com")
	if p.Status != http.StatusOK || strings.Count(p.Body, `data-testid="audit-row"`) != 3 {
		t.Fatalf("filtered rows = %d", strings.Count(p.Body, `data-testid="audit-row"`))
	}

	for q, field := range map[string]string{"from=21-11-2026": "from", "to=yesterday": "to", "action=nope": "action", "from=2026-11-21&to=2026-11-01": "to"} {
		p := b.get("/audit-log?" + q)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `data-testid="error-`+field+`"`) {
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
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "id" || rows[1][3] != "finance@example.com" || !strings.HasSuffix(rows[1][1], "WIB") {
		t.Fatalf("csv = %v", rows)
	}
	if count(auditActions(t, a), "audit_log.export") != 1 {
		t.Fatal("the export was not recorded")
	}
}

func TestAuditLogPagesWithACursor(t *testing.T) {
	a := newTestApp(t)
	for range 60 {
		a.browser().login("nobody@example.com", "wrong password here")
		a.clock.Advance(throttleWindow) // keep the IP under the throttle
	}
	b := a.signedIn(models.RoleAdmin)
	first := b.get("/audit-log?action=login.failed")
	if n := strings.Count(first.Body, `data-testid="audit-row"`); n != 50 {
		t.Fatalf("first page rows = %d", n)
	}
	i := strings.Index(first.Body, `data-testid="pager-next"`)
	if i < 0 {
		t.Fatal("no next link")
	}
	start := strings.LastIndex(first.Body[:i], `href="`) + len(`href="`)
	next := strings.ReplaceAll(first.Body[start:start+strings.Index(first.Body[start:], `"`)], "&amp;", "&")
	second := b.get(next)
	if n := strings.Count(second.Body, `data-testid="audit-row"`); n != 10 {
		t.Fatalf("second page rows = %d (%s)", n, next)
	}
}
