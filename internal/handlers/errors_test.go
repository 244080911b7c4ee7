package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
)

func TestErrorsRenderInTheLayoutWithoutInternals(t *testing.T) {
	a := newTestApp(t)
	a.srv.Echo().GET("/boom", func(echo.Context) error { panic("secret internal detail /home/x/file.go:12") })
	a.srv.Echo().GET("/fail", func(echo.Context) error { return echo.NewHTTPError(500, "sql: database is locked at row 7") })
	b := a.signedIn(models.RoleFinance)

	nf := b.get("/no-such-page")
	if nf.Status != http.StatusNotFound || !strings.Contains(nf.Body, `data-testid="page-error-404"`) || !strings.Contains(nf.Body, `data-testid="nav"`) {
		t.Fatalf("404: %d", nf.Status)
	}
	for _, path := range []string{"/boom", "/fail"} {
		p := b.get(path)
		if p.Status != http.StatusInternalServerError || !strings.Contains(p.Body, `data-testid="page-error-500"`) {
			t.Fatalf("%s: %d", path, p.Status)
		}
		for _, leak := range []string{"secret internal detail", "file.go", "goroutine", "sql:", "database is locked"} {
			if strings.Contains(p.Body, leak) {
				t.Errorf("%s leaks %q to the browser", path, leak)
			}
		}
		if !strings.Contains(p.Body, `data-testid="request-id"`) {
			t.Errorf("%s: no reference for support", path)
		}
	}
	if !strings.Contains(a.logs.String(), "secret internal detail") {
		t.Fatal("the panic was not logged for operators")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	if p := b.get("/healthz"); p.Status != http.StatusOK {
		t.Fatalf("healthz %d", p.Status)
	}
	if p := b.get("/readyz"); p.Status != http.StatusOK {
		t.Fatalf("readyz %d", p.Status)
	}
	a.db.ReadSQL().Close()
	if p := b.get("/readyz"); p.Status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with a closed database: %d", p.Status)
	}
}

func TestOverLongBodyIsRefused(t *testing.T) {
	a := newTestApp(t)
	b := a.signedIn(models.RoleAdmin)
	req, _ := http.NewRequest("POST", a.http.URL+"/users", strings.NewReader("name="+strings.Repeat("x", 2<<20)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p := b.do(req); p.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MB form: %d", p.Status)
	}
}
