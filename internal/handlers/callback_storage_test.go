package handlers

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/internal/diskspace"
	"backoffice/internal/intake"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
)

// refusedStorage is what the callbacks table holds of refused requests.
type refusedStorage struct {
	rows, truncated int64
	bytes           int64 // body, headers and query
}

func (a *testApp) refusedStorage() refusedStorage {
	a.t.Helper()
	var s refusedStorage
	err := a.db.ReadSQL().QueryRow(`SELECT count(*), count(*) FILTER (WHERE truncated_from > 0), coalesce(sum(length(body) + length(headers) + length(query)), 0)
		FROM callbacks WHERE NOT verified`).Scan(&s.rows, &s.truncated, &s.bytes)
	if err != nil {
		a.t.Fatal(err)
	}
	return s
}

// setDisk swaps the server's disk monitor. The server reads its clock
// before it looks at the disk, so touching the clock's lock afterwards
// orders this write before every later request.
func (a *testApp) setDisk(m *diskspace.Monitor) {
	a.srv.disk = m
	a.clock.Advance(0)
}

// post sends one callback body with a client of its own connection pool.
func post(t *testing.T, c *http.Client, url string, body []byte) (status int, id int64) {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	id, _ = strconv.ParseInt(resp.Header.Get("X-Callback-Id"), 10, 64)
	return resp.StatusCode, id
}

// oyBodyOfSize is an OY disbursement callback padded to about n bytes
// with a field OY does not send.
func oyBodyOfSize(partnerTrxID string, n int) []byte {
	head := `{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_name":"John Doe","recipient_bank":"008","recipient_account":"1234567890","trx_id":"T-` +
		partnerTrxID + `","partner_trx_id":"` + partnerTrxID + `","timestamp":"16-10-2021 10:34:23","note":"`
	return []byte(head + strings.Repeat("x", max(0, n-len(head)-2)) + `"}`)
}

// Eight clients send refused 200 KiB callbacks (a guessed token) as fast
// as they can for two seconds (and at least 200 requests). The source's budget for the minute stores
// at most 256 KiB whole and 64 samples of 4 KiB; the rest is counted, and
// the counts add up to every request sent. A verified 200 KiB callback
// sent in the middle of the flood is stored whole.
func TestRefusedFloodIsStoredOnlyUpToTheBudget(t *testing.T) {
	a := newTestApp(t)
	refusedURL := a.http.URL + "/callbacks/oy/disbursement?token=guess-" + a.cfg.OY.CallbackToken[:4]
	var sent, refused atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop); wg.Wait() }) }
	defer halt()
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{}}
			defer c.CloseIdleConnections()
			body := oyBodyOfSize("FORGED-"+strconv.Itoa(i), 200<<10)
			for {
				select {
				case <-stop:
					return
				default:
				}
				status, id := post(t, c, refusedURL, body)
				sent.Add(1)
				if status == http.StatusUnauthorized {
					refused.Add(1)
				} else {
					t.Errorf("refused callback answered %d (id %d)", status, id)
					return
				}
			}
		}()
	}
	// At least two seconds and 200 requests (a loaded machine under -race
	// may need longer), the verified one sent in the middle.
	start := time.Now()
	waitFor := func(n int64, d time.Duration) {
		for sent.Load() < n || time.Since(start) < d {
			if time.Since(start) > time.Minute {
				t.Fatalf("only %d requests sent in a minute", sent.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(100, time.Second)
	genuine := oyBodyOfSize("GENUINE-1", 200<<10)
	status, id := post(t, http.DefaultClient, a.http.URL+"/callbacks/oy/disbursement?token="+a.cfg.OY.CallbackToken, genuine)
	waitFor(200, 2*time.Second)
	halt()

	if status != http.StatusOK || id == 0 {
		t.Fatalf("verified callback in the flood answered %d, id %d", status, id)
	}
	if cb := a.callback(id); !bytes.Equal(cb.Body, genuine) || cb.TruncatedFrom != 0 || !cb.Verified {
		t.Fatalf("verified callback stored with %d of %d bytes, truncated from %d, verified %v", len(cb.Body), len(genuine), cb.TruncatedFrom, cb.Verified)
	}
	n := refused.Load()
	if n != sent.Load() {
		t.Fatalf("%d refused of %d sent", n, sent.Load())
	}
	st := a.refusedStorage()
	b := intake.NewRefusedBudget()
	limit := b.WholeBytes + int64(b.Samples)*(intake.SampleBytes+3<<10) // a sample keeps 4 KiB of body, ≤2 KiB of headers, ≤1 KiB of query
	if st.bytes > limit {
		t.Errorf("refused requests took %d bytes of storage, over the budget of %d (without it: %d)", st.bytes, limit, n*(200<<10))
	}
	if st.truncated != int64(b.Samples) || st.rows != st.truncated+1 {
		t.Errorf("stored %d refused rows, %d of them samples; want 1 whole and %d samples", st.rows, st.truncated, b.Samples)
	}
	counts, err := a.store.RefusalCounts(context.Background(), store.RefusalCountsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if counts[models.RefusalSampled] != st.truncated || counts[models.RefusalOverBudget] != n-st.rows {
		t.Errorf("counted %d sampled and %d not stored; want %d and %d", counts[models.RefusalSampled], counts[models.RefusalOverBudget], st.truncated, n-st.rows)
	}
	if strings.Count(a.logs.String(), `"msg":"callback refused"`) != int(st.rows) {
		t.Errorf("want one log line per stored refusal (%d), got %d", st.rows, strings.Count(a.logs.String(), `"msg":"callback refused"`))
	}

	// The callback log shows the counts, also for the provider's filter,
	// and none for another provider.
	br := a.signedIn(models.RoleAuditor)
	for _, path := range []string{"/callback-log", "/callback-log?provider=oy"} {
		d := doc(t, br.get(path))
		if got := d.Find(testid("refused-over_budget") + " " + testid("refused-value")).Text(); got != components.FormatCount(n-st.rows) {
			t.Errorf("%s shows %q refused and only counted, want %s", path, got, components.FormatCount(n-st.rows))
		}
		if got := d.Find(testid("refused-sampled") + " " + testid("refused-value")).Text(); got != components.FormatCount(st.truncated) {
			t.Errorf("%s shows %q refused kept as samples, want %d", path, got, st.truncated)
		}
	}
	if d := doc(t, br.get("/callback-log?provider=faspay")); d.Find(testid("refused-over_budget")).Length() != 0 {
		t.Error("the faspay log shows OY's refusals")
	}

	// A sample says what it is, in the list and on its page.
	var sampleID int64
	if err := a.db.ReadSQL().QueryRow(`SELECT id FROM callbacks WHERE truncated_from > 0 LIMIT 1`).Scan(&sampleID); err != nil {
		t.Fatal(err)
	}
	sample := a.callback(sampleID)
	if len(sample.Body) != intake.SampleBytes || sample.TruncatedFrom != int64(len(oyBodyOfSize("FORGED-0", 200<<10))) {
		t.Errorf("sample keeps %d bytes of %d", len(sample.Body), sample.TruncatedFrom)
	}
	if d := doc(t, br.get("/callback-log/"+strconv.FormatInt(sampleID, 10))); d.Find(testid("body-truncated")).Length() != 1 {
		t.Error("the sample's page does not say its body is truncated")
	}
	if d := doc(t, br.get("/callback-log?verified=no")); d.Find(testid("row-truncated")).Length() == 0 {
		t.Error("the log does not mark samples")
	}
}

// Below the free-space floor a refused request is answered as usual but
// only counted; a verified one is still stored.
func TestRefusedCallbacksAreOnlyCountedWhenDiskIsLow(t *testing.T) {
	a := newTestApp(t)
	a.setDisk(diskspace.New(t.TempDir(), 1<<30).WithFree(func(string) (int64, error) { return 100 << 20, nil }))
	r := a.send("POST", "/callbacks/oy/disbursement?token=guess", nil, oyDisbursementBody)
	if r.Status != http.StatusUnauthorized || r.ID != 0 {
		t.Fatalf("refused callback with the disk low: %d, id %d", r.Status, r.ID)
	}
	if st := a.refusedStorage(); st.rows != 0 {
		t.Fatalf("%d refused rows stored with the disk low", st.rows)
	}
	ok := a.send("POST", "/callbacks/oy/disbursement?token="+a.cfg.OY.CallbackToken, nil, oyDisbursementBody)
	if ok.Status != http.StatusOK || ok.ID == 0 || !bytes.Equal(a.callback(ok.ID).Body, []byte(oyDisbursementBody)) {
		t.Fatalf("verified callback with the disk low: %d, id %d", ok.Status, ok.ID)
	}
	counts, err := a.store.RefusalCounts(context.Background(), store.RefusalCountsFilter{Provider: "oy", Kind: "disbursement"})
	if err != nil {
		t.Fatal(err)
	}
	if counts[models.RefusalDiskLow] != 1 || len(counts) != 1 {
		t.Fatalf("counts with the disk low: %v", counts)
	}
	d := doc(t, a.signedIn(models.RoleAuditor).get("/callback-log"))
	if got := d.Find(testid("refused-disk_low") + " " + testid("refused-value")).Text(); got != "1" {
		t.Fatalf("the log shows %q refused while the disk was low", got)
	}
}

// Too large bodies are never stored, but each refusal is a log line: past
// the source's samples for the minute they are only counted.
func TestOversizeFloodIsCountedNotLoggedPastTheBudget(t *testing.T) {
	a := newTestApp(t)
	big := bytes.Repeat([]byte("a"), intake.MaxBody+1)
	const n = 70
	for range n {
		if status, _ := post(t, http.DefaultClient, a.http.URL+"/callbacks/oy/disbursement?token="+a.cfg.OY.CallbackToken, big); status != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversize body answered %d", status)
		}
	}
	counts, err := a.store.RefusalCounts(context.Background(), store.RefusalCountsFilter{})
	if err != nil || counts[models.RefusalOversize] != n {
		t.Fatalf("oversize counted %v (%v), want %d", counts, err, n)
	}
	if lines, want := strings.Count(a.logs.String(), `"msg":"callback refused"`), intake.NewRefusedBudget().Samples; lines != want {
		t.Fatalf("%d refusal log lines for %d oversize bodies, want %d", lines, n, want)
	}
}
