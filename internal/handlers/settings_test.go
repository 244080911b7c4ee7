package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"backoffice/internal/intake"
	"backoffice/internal/models"
)

// Settings lists every callback URL intake serves, built from the same
// endpoint list, with the token secret hidden.
func TestSettingsShowsEveryServedCallbackURL(t *testing.T) {
	a := newTestApp(t)
	p := a.signedIn(models.RoleAdmin).get("/settings")
	if p.Status != http.StatusOK {
		t.Fatalf("settings: %d", p.Status)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(p.Body))
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	doc.Find(`[data-testid="callback-url"]`).Each(func(_ int, s *goquery.Selection) { shown[strings.TrimSpace(s.Text())] = true })
	eps := intake.Endpoints(&intake.Secrets{})
	if len(shown) != len(eps) {
		t.Errorf("settings shows %d callback URLs, intake serves %d", len(shown), len(eps))
	}
	for _, ep := range eps {
		want := a.cfg.BaseURL + ep.Path
		if ep.Token {
			want += "?token=REDACTED"
		}
		if !shown[want] {
			t.Errorf("settings lacks %s", want)
		}
	}
	if strings.Contains(p.Body, a.cfg.OY.CallbackToken) || strings.Contains(p.Body, a.cfg.Ayopop.CallbackToken) {
		t.Error("settings shows a callback token")
	}
}
