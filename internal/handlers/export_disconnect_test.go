package handlers

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
)

// A client that goes away during a long export is logged at info, not
// as an error: closing the tab is not a fault of the dashboard.
func TestExportStoppedByTheClientIsLoggedAtInfo(t *testing.T) {
	a := newTestApp(t)
	err := a.db.Write.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
		INSERT INTO audit_entries (at, actor_email, action, object_type, object_id, summary)
		SELECT ?, 'finance@example.com', 'disbursement.create', 'disbursement', i, 'a long enough summary for row ' || i FROM n`, time.Now().UTC()).Error
	if err != nil {
		t.Fatal(err)
	}
	admin := a.signedIn(models.RoleAdmin)
	req, _ := http.NewRequest("GET", a.http.URL+"/audit-log?format=csv", nil)
	for _, c := range admin.c.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := resp.Body.Read(make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	conn.Close() // the clerk closes the tab mid-download

	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(a.logs.String(), "export stopped") {
		if time.Now().After(deadline) {
			t.Fatal("the export did not notice the client leaving")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, line := range strings.Split(a.logs.String(), "\n") {
		if strings.Contains(line, "export stopped") && !strings.Contains(line, `"level":"INFO"`) {
			t.Fatalf("a client leaving is logged as: %s", line)
		}
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Fatalf("an error is logged: %s", line)
		}
	}
}
