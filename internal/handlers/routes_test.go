package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
)

// Every route the router knows must be a row of the permission table, and
// every staff row must name its roles.
func TestEveryRegisteredRouteIsInThePermissionTable(t *testing.T) {
	a := newTestApp(t)
	inTable := func(method, path string) bool {
		for _, r := range a.srv.table {
			if r.Path == path && (r.Method == method || r.Method == anyMethod || (method == http.MethodHead && r.Method == http.MethodGet)) {
				return true
			}
		}
		return false
	}
	routes := a.srv.Echo().Routes()
	if len(routes) < len(a.srv.table) {
		t.Fatalf("router has %d routes, table %d", len(routes), len(a.srv.table))
	}
	for _, r := range routes {
		if r.Method == echo.RouteNotFound {
			continue
		}
		if !inTable(r.Method, r.Path) {
			t.Errorf("route %s %s is registered but not in the permission table", r.Method, r.Path)
		}
	}
	for _, r := range a.srv.table {
		if r.Access == staff && len(r.Roles) == 0 {
			t.Errorf("staff route %s %s allows no role", r.Method, r.Path)
		}
	}
}

// An auditor changes nothing: every state-changing staff route answers 403
// (signing out and changing one's own password are the exceptions), and so does
// every page reserved to other roles.
func TestAuditorIsRefusedEveryChange(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAuditor)
	checked := 0
	for _, r := range a.srv.table {
		if r.Access != staff || r.Path == "/logout" || r.Path == "/account/password" {
			continue
		}
		path := strings.ReplaceAll(r.Path, ":id", "1")
		var p page
		switch r.Method {
		case http.MethodGet:
			if slices.Contains(r.Roles, models.RoleAuditor) {
				continue
			}
			p = b.get(path)
		default:
			if slices.Contains(r.Roles, models.RoleAuditor) {
				t.Errorf("%s %s changes state but allows auditors", r.Method, r.Path)
				continue
			}
			p = b.post(path, url.Values{"role": {"admin"}, "password": {"a-new-password-123"}, "name": {"x"}, "email": {"x@example.com"}})
		}
		checked++
		if p.Status != http.StatusForbidden {
			t.Errorf("auditor %s %s: status %d, want 403", r.Method, path, p.Status)
		}
		if !strings.Contains(p.Body, `data-testid="page-error-403"`) {
			t.Errorf("auditor %s %s: 403 not rendered in the layout", r.Method, path)
		}
	}
	if checked < 7 {
		t.Fatalf("only %d routes checked", checked)
	}
	// Nothing changed: the auditor did not create a user, nor make anyone admin.
	us, _ := a.store.ListUsers(t.Context())
	if len(us) != 3 {
		t.Fatalf("users = %d after auditor attempts, want 3", len(us))
	}
	if u, _ := a.store.UserByID(t.Context(), a.users[models.RoleFinance].ID); u.Role != models.RoleFinance {
		t.Fatal("auditor changed a role")
	}
}

func TestNavigationShowsOnlyThePagesOfTheRole(t *testing.T) {
	a := newTestApp(t)
	want := map[models.Role][]string{
		models.RoleAdmin:   {"/", "/ovo-accounts", "/ovo-topups", "/balance", "/disbursements", "/virtual-accounts", "/payment-links", "/invoices", "/callback-log", "/audit-log", "/users", "/settings", "/change-requests"},
		models.RoleFinance: {"/", "/ovo-accounts", "/ovo-topups", "/balance", "/disbursements", "/virtual-accounts", "/payment-links", "/invoices", "/callback-log"},
		models.RoleAuditor: {"/", "/ovo-accounts", "/ovo-topups", "/balance", "/disbursements", "/virtual-accounts", "/payment-links", "/invoices", "/callback-log", "/audit-log", "/users", "/settings", "/change-requests"},
	}
	for role, paths := range want {
		b := a.signedIn(role)
		p := b.get("/")
		var got []string
		for _, m := range navLinkRe.FindAllStringSubmatch(p.Body, -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, paths) {
			t.Errorf("%s navigation = %v, want %v", role, got, paths)
		}
		// And each shown page opens for that role.
		for _, path := range paths {
			if s := b.get(path).Status; s != http.StatusOK {
				t.Errorf("%s GET %s = %d", role, path, s)
			}
		}
	}
	// Finance does not see staff or the audit log and is refused them.
	b := a.signedIn(models.RoleFinance)
	for _, path := range []string{"/users", "/audit-log", "/settings", "/users/new"} {
		if s := b.get(path).Status; s != http.StatusForbidden {
			t.Errorf("finance GET %s = %d, want 403", path, s)
		}
	}
}

func TestPagesNotBuiltSayNotAvailable(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleFinance)
	p := b.get("/ovo-topups") // the harness wires no top-up service
	if !strings.Contains(p.Body, `data-testid="page-not-available"`) || !strings.Contains(p.Body, "Not available yet") {
		t.Fatalf("placeholder page: %s", p.Body)
	}
}
