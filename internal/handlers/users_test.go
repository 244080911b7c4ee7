package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"backoffice/internal/models"
)

func TestCreateUserRejectsBadInputAndKeepsWhatWasTyped(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	cases := []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"bad email", url.Values{"name": {"Siti Rahma"}, "email": {"not-an-email"}, "role": {"finance"}, "password": {"a long enough password"}}, "email", "Enter an address like"},
		{"short password", url.Values{"name": {"Siti Rahma"}, "email": {"siti@example.com"}, "role": {"finance"}, "password": {"short"}}, "password", "at least 12"},
		{"unknown role", url.Values{"name": {"Siti Rahma"}, "email": {"siti@example.com"}, "role": {"superuser"}, "password": {"a long enough password"}}, "role", "Choose Admin"},
		{"over-long name", url.Values{"name": {strings.Repeat("n", 101)}, "email": {"siti@example.com"}, "role": {"finance"}, "password": {"a long enough password"}}, "name", "at most 100"},
		{"missing name", url.Values{"name": {"  "}, "email": {"siti@example.com"}, "role": {"finance"}, "password": {"a long enough password"}}, "name", "Enter the person"},
		{"duplicate email", url.Values{"name": {"Siti Rahma"}, "email": {"FINANCE@example.com"}, "role": {"finance"}, "password": {"a long enough password"}}, "email", "already exists"},
	}
	for _, c := range cases {
		p := b.post("/users", c.form)
		if p.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", c.name, p.Status)
			continue
		}
		errBlock := `data-testid="error-` + c.field + `">`
		i := strings.Index(p.Body, errBlock)
		if i < 0 || !strings.Contains(p.Body[i:i+len(errBlock)+120], c.msg) {
			t.Errorf("%s: no %q beside %s", c.name, c.msg, c.field)
		}
		if email := c.form.Get("email"); !strings.Contains(p.Body, `value="`+email+`"`) {
			t.Errorf("%s: typed email %q not kept", c.name, email)
		}
	}
	us, _ := a.store.ListUsers(context.Background())
	if len(us) != 3 {
		t.Fatalf("bad forms created users: %d", len(us))
	}
}

func TestAdminCreatesChangesAndDisablesStaff(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	p := b.post("/users", url.Values{"name": {"Siti Rahma"}, "email": {"siti@example.com"}, "role": {"finance"}, "password": {"a long enough password"}})
	if p.Status != http.StatusSeeOther || p.Location != "/users" {
		t.Fatalf("create: %d %s", p.Status, p.Body)
	}
	list := b.get("/users")
	if !strings.Contains(byTestID(t, list, "pending-change").Text(), "Siti Rahma") || !strings.Contains(byTestID(t, list, "flash").Text(), "waits for a different admin") {
		t.Fatal("the waiting addition or its flash is missing from the list")
	}
	a.approvePending()
	if !strings.Contains(byTestID(t, b.get("/users"), "users-table").Text(), "Siti Rahma") {
		t.Fatal("the approved person is not in the list")
	}
	u, err := a.store.UserByEmail(context.Background(), "siti@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if p := b.post("/users/"+itoa(u.ID)+"/role", url.Values{"role": {"auditor"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("role change: %d", p.Status)
	}
	a.approvePending()
	if p := b.post("/users/"+itoa(u.ID)+"/role", url.Values{"role": {"root"}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad role accepted: %d", p.Status)
	}
	u, _ = a.store.UserByID(context.Background(), u.ID)
	if u.Role != models.RoleAuditor {
		t.Fatalf("role = %s", u.Role)
	}
	acts := auditActions(t, a)
	for _, want := range []string{"user.create", "user.role"} {
		if count(acts, want) != 1 {
			t.Errorf("audit %s missing: %v", want, acts)
		}
	}
	page, _ := b.get("/audit-log?action=user.role"), 0
	if !strings.Contains(page.Body, "role Finance → Auditor") {
		t.Fatal("audit log does not show before → after")
	}
}

func TestTheLastAdminAndOneselfAreProtected(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	self := itoa(a.users[models.RoleAdmin].ID)
	if p := b.post("/users/"+self+"/disable", nil); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "cannot disable your own") {
		t.Fatalf("self-disable: %d", p.Status)
	}
	if p := b.post("/users/"+self+"/role", url.Values{"role": {"auditor"}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("self-demotion: %d", p.Status)
	}
	if b.get("/").Status != http.StatusOK {
		t.Fatal("admin lost their session")
	}
}

func TestUnknownOrMalformedUserIDIsNotFound(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	for _, path := range []string{"/users/999999", "/users/abc", "/users/-1", "/users/99999999999999999999999"} {
		if p := b.get(path); p.Status != http.StatusNotFound || !strings.Contains(p.Body, `data-testid="page-error-404"`) {
			t.Errorf("GET %s = %d", path, p.Status)
		}
	}
	if p := b.post("/users/abc/disable", nil); p.Status != http.StatusNotFound {
		t.Errorf("POST malformed id = %d", p.Status)
	}
}
