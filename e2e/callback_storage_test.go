//go:build browser

package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRefusedFloodIsCountedInTheCallbackLog: one stranger (its own
// address, passed by the trusted local proxy) sends 150 forged 200 KB OY
// callbacks. The first is kept whole, the next ones as 4 KB samples, the
// rest only counted; a genuine callback sent in the middle is kept whole.
// An auditor sees the counts above the log, the samples marked in the
// list, and on a sample's page that its body was cut.
func TestRefusedFloodIsCountedInTheCallbackLog(t *testing.T) {
	ref := fmt.Sprintf("E2EFLOOD%d", time.Now().UnixNano()%1_000_000_000)
	stranger := fmt.Sprintf("198.51.100.%d", time.Now().UnixNano()%250+1)
	body := func(id string) []byte {
		head := `{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_bank":"014","recipient_account":"1234567890","trx_id":"T` + id +
			`","partner_trx_id":"` + id + `","timestamp":"01-12-2026 10:34:23","note":"`
		return []byte(head + strings.Repeat("x", 200_000) + `"}`)
	}
	send := func(token string, b []byte) int {
		req, _ := http.NewRequest("POST", baseURL+"/callbacks/oy/disbursement?token="+token, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", stranger)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	const sent = 150
	for i := range sent {
		if got := send("forged", body(ref+"-F"+strconv.Itoa(i))); got != 401 {
			t.Fatalf("forged callback %d answered %d, want 401", i, got)
		}
		if i == sent/2 {
			if got := send(oyCallbackToken, body(ref+"-GENUINE")); got != 200 {
				t.Fatalf("the genuine callback answered %d, want 200", got)
			}
		}
	}

	p := newBrowser(t, testContext(t))
	p.openAndSignIn(auditor)
	p.open("/callback-log?provider=oy&verified=no&q=" + ref)
	p.waitVisible(`[data-testid=callback-table]`)
	stored := number(t, p.text(`[data-testid=count-rejected] [data-testid=count-value]`))
	counted := number(t, p.text(`[data-testid=refused-over_budget] [data-testid=refused-value]`))
	sampled := number(t, p.text(`[data-testid=refused-sampled] [data-testid=refused-value]`))
	// A minute that turns during the flood starts a new budget: at most two.
	if stored < 65 || stored > 130 || stored+counted != sent || sampled < 64 || sampled >= stored {
		p.fatal("of %d forged callbacks %d are stored (%d as samples) and %d only counted", sent, stored, sampled, counted)
	}
	if n := p.count(`[data-testid=row-truncated]`); n == 0 {
		p.fatal("no row of the forged callbacks is marked as a sample")
	}
	p.screenshot("40-callback-log-refused-flood")

	p.click(`[data-testid=callback-row]:has([data-testid=row-truncated]) td a`)
	p.waitVisible(`[data-testid=page-callback-detail]`)
	if note := p.text(`[data-testid=body-truncated]`); !strings.Contains(note, "4.096") && !strings.Contains(note, "4,096") {
		t.Errorf("the sample's page says %q; it should say only the first 4,096 bytes were kept", note)
	}
	p.screenshot("41-callback-detail-sample")

	p.open("/callback-log?provider=oy&verified=yes&q=" + ref + "-GENUINE")
	p.waitVisible(`[data-testid=callback-table]`)
	p.click(`[data-testid=callback-row] td a`)
	p.waitVisible(`[data-testid=page-callback-detail]`)
	if n := p.count(`[data-testid=body-truncated]`); n != 0 {
		t.Errorf("the genuine callback is marked truncated")
	}
	if got := len(p.text(`[data-testid=callback-body]`)); got < 200_000 {
		t.Errorf("the genuine callback's page shows %d characters of its body, want all of it", got)
	}
}

// number reads a count as the page writes it (1.234).
func number(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.NewReplacer(".", "", ",", "", " ", "").Replace(strings.TrimSpace(s)))
	if err != nil {
		t.Fatalf("%q is not a count", s)
	}
	return n
}
