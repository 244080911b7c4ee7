package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
)

// Settings names the database, and lists the background loops from their leases: which replica runs
// each, since when and until when, a lapsed lease marked, named in the
// reader's language.
func TestSettingsShowsWhoRunsTheBackgroundLoops(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	admin := a.signedIn(models.RoleAdmin)
	p := admin.get("/settings")
	if !strings.Contains(p.Body, i18n.In(i18n.EN, "settings_page.background_none")) {
		t.Fatalf("no loop yet: the panel says so\n%s", p.Body)
	}
	// The database panel names the engine this test runs on; no replica.
	engine := "settings_page.database_sqlite"
	if a.store.Database(ctx).Postgres {
		engine = "settings_page.database_postgres"
	}
	if got := strings.TrimSpace(byTestID(t, p, "database-engine").Text()); got != i18n.In(i18n.EN, engine) {
		t.Errorf("engine %q, want %q", got, i18n.In(i18n.EN, engine))
	}
	if got := strings.TrimSpace(byTestID(t, p, "database-replica").Text()); got != i18n.In(i18n.EN, "settings_page.database_no_replica") {
		t.Errorf("replica %q", got)
	}
	for _, l := range []struct {
		name, holder string
		ttl          time.Duration
	}{{"callback-worker", "replica-a:7f3c", time.Minute}, {"va-sync", "replica-b:19e0", time.Millisecond}} {
		if ok, err := a.store.TakeLease(ctx, l.name, l.holder, l.ttl); err != nil || !ok {
			t.Fatalf("take %s: %v %v", l.name, ok, err)
		}
	}
	time.Sleep(20 * time.Millisecond) // va-sync's lease lapses

	rows := func() map[string]string {
		t.Helper()
		p := admin.get("/settings")
		out := map[string]string{}
		byTestID(t, p, "background-loop").Each(func(_ int, r *goquery.Selection) {
			cells := r.Find("td")
			out[strings.TrimSpace(cells.Eq(0).Text())] = strings.Join(strings.Fields(cells.Text()), " ")
		})
		return out
	}
	en := rows()
	worker, vaSync := en[i18n.In(i18n.EN, "settings_page.loop_callback_worker")], en[i18n.In(i18n.EN, "settings_page.loop_va_sync")]
	if len(en) != 2 || !strings.Contains(worker, "replica-a:7f3c") || !strings.Contains(worker, "WIB") || !strings.Contains(vaSync, "replica-b:19e0") {
		t.Fatalf("loops listed %q", en)
	}
	lapsed := i18n.In(i18n.EN, "settings_page.loop_lapsed")
	if strings.Contains(worker, lapsed) || !strings.HasSuffix(vaSync, lapsed) {
		t.Errorf("only the lapsed lease is marked: worker %q, va-sync %q", worker, vaSync)
	}

	toIndonesian(t, admin)
	id := rows()
	if w := id[i18n.In(i18n.ID, "settings_page.loop_callback_worker")]; !strings.Contains(w, "replica-a:7f3c") {
		t.Errorf("Indonesian: loops listed %q", id)
	}
	if v := id[i18n.In(i18n.ID, "settings_page.loop_va_sync")]; !strings.HasSuffix(v, i18n.In(i18n.ID, "settings_page.loop_lapsed")) {
		t.Errorf("Indonesian: the lapsed lease is not marked: %q", v)
	}
}
