package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
	"backoffice/internal/providers/doku"
)

// Two replicas: two Servers on one database with the same keys from the
// environment (DASHBOARD_SESSION_HASH_KEY / BLOCK_KEY), each behind its own
// listener, and one browser whose requests a proxy sends to either. On
// PostgreSQL this is the deployment of README's "Several replicas"; on
// SQLite it is two processes on one file.
func TestStateCrossesReplicas(t *testing.T) {
	dbURL := dbtest.URL(t, "shared.db")
	clock := &fakeClock{t: time.Now().UTC()}
	a := openTestApp(t, dbURL, clock, true)
	b := openTestApp(t, dbURL, clock, false)

	t.Run("sign-in and second factor begun on A end on B", func(t *testing.T) {
		br := a.browser()
		p := br.login(string(models.RoleAdmin)+"@example.com", testPassword)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login/otp") {
			t.Fatalf("login on A: %d %q", p.Status, p.Location)
		}
		// The code is checked by B: the pending session is in the
		// database, and B opens the secret A's key sealed.
		br.a = b
		br.get(p.Location)
		p = br.post("/login/otp", url.Values{"otp": {a.otp(models.RoleAdmin)}, "next": {"/"}})
		if p.Status != http.StatusSeeOther || p.Location != "/" {
			t.Fatalf("code on B: %d %q %s", p.Status, p.Location, p.Body)
		}
		if p := br.get("/"); p.Status != http.StatusOK {
			t.Fatalf("home on B: %d %q", p.Status, p.Location)
		}
	})

	t.Run("session made on A is valid on B, CSRF accepted, sign-out seen by A", func(t *testing.T) {
		br := a.signedIn(models.RoleAuditor)
		br.a = b
		if p := br.get("/"); p.Status != http.StatusOK {
			t.Fatalf("home on B: %d %q", p.Status, p.Location)
		}
		// B checks the token A put in the cookie: a wrong one is refused,
		// the right one accepted.
		if p := br.post("/logout", url.Values{"_csrf": {strings.Repeat("0", 64)}}); p.Status != http.StatusForbidden {
			t.Fatalf("wrong CSRF token on B: %d", p.Status)
		}
		if p := br.post("/logout", nil); p.Status != http.StatusSeeOther {
			t.Fatalf("sign-out on B: %d %s", p.Status, p.Body)
		}
		br.a = a
		if p := br.get("/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
			t.Fatalf("A after signing out on B: %d %q", p.Status, p.Location)
		}
	})

	t.Run("wrong passwords counted on A throttle B", func(t *testing.T) {
		br := a.browser()
		email := string(models.RoleAuditor) + "@example.com"
		for i := 0; i < 3; i++ {
			if p := br.login(email, "not the password at all"); p.Status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d on A: %d", i+1, p.Status)
			}
		}
		br.a = b
		p := br.login(email, testPassword)
		if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" {
			t.Fatalf("B after three failures on A: %d, Retry-After %q", p.Status, p.Header.Get("Retry-After"))
		}
	})

	t.Run("DOKU's access token issued by A authorises its notification on B", func(t *testing.T) {
		if !db.IsPostgres(dbURL) {
			t.Skip("on SQLite one process receives callbacks: its writer numbers them itself")
		}
		r := a.askDokuToken(t)
		var reply struct{ AccessToken string }
		if err := json.Unmarshal([]byte(r.Body), &reply); r.Status != 200 || err != nil || reply.AccessToken == "" {
			t.Fatalf("token from A: %d %s", r.Status, r.Body)
		}
		body := `{"originalPartnerReferenceNo":"INV-R1","originalReferenceNo":"DOKU-R1","latestTransactionStatus":"00","amount":{"value":"10000.00","currency":"IDR"}}`
		path := "/callbacks/doku/v1.0/debit/notify"
		ts := doku.FormatTimestamp(time.Now())
		h := http.Header{"Authorization": {"Bearer " + reply.AccessToken}, "X-Timestamp": {ts}, "X-External-Id": {"R1"}, "X-Partner-Id": {b.cfg.Doku.ClientID},
			"X-Signature": {doku.SignTransaction(b.cfg.Doku.SecretKey, "POST", path, reply.AccessToken, []byte(body), ts)}}
		n := b.send("POST", path, h, body)
		if n.Status != 200 {
			t.Fatalf("notification on B with A's token: %d %s", n.Status, n.Body)
		}
		if cb := b.callback(n.ID); !cb.Verified {
			t.Fatalf("notification on B stored unverified: %s", cb.VerifyReason)
		}
	})
}
