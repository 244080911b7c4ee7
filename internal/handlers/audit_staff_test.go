package handlers

import (
	"net/http"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"backoffice/internal/models"
)

// The audit log's staff filter is a list of people: picking one lists
// only their entries; the address keeps working in any case; a value not
// in the list is told beside the field.
func TestAuditLogStaffFilterPicksAPerson(t *testing.T) {
	a := newTestApp(t)
	a.signedIn(models.RoleFinance)
	a.signedIn(models.RoleFinance)
	b := a.signedIn(models.RoleAuditor)

	d := doc(t, b.get("/audit-log"))
	sel := d.Find(testid("field-actor") + " select[name=actor]")
	if sel.Length() != 1 {
		t.Fatal("the staff filter is not a list")
	}
	var finance string
	sel.Find("option").Each(func(_ int, o *goquery.Selection) {
		if v, _ := o.Attr("value"); v == "finance@example.com" {
			finance = o.Text()
		}
	})
	if finance == "" {
		t.Fatal("finance@example.com is not in the staff list")
	}
	if first := sel.Find("option").First(); first.AttrOr("value", "x") != "" || first.Text() != "All staff" {
		t.Fatalf("the first option is %q", first.Text())
	}

	for _, actor := range []string{"finance@example.com", "FINANCE@Example.com"} {
		p := b.get("/audit-log?action=login.ok&actor=" + actor)
		d := doc(t, p)
		if n := rows(d, "audit-row"); p.Status != http.StatusOK || n != 2 {
			t.Fatalf("%s: %d rows (status %d)", actor, n, p.Status)
		}
		if v := d.Find("select[name=actor] option[selected]").AttrOr("value", ""); v != "finance@example.com" {
			t.Fatalf("%s: the list shows %q as picked", actor, v)
		}
	}
	p := b.get("/audit-log?actor=nobody@example.com")
	if d := doc(t, p); p.Status != http.StatusUnprocessableEntity || rows(d, "error-actor") != 1 {
		t.Fatalf("a person not in the list: %d", p.Status)
	}
}
