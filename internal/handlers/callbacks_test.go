package handlers

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/providers/doku"
	"backoffice/internal/providers/faspay"
	"backoffice/internal/store"
)

// oyDisbursementBody is the callback sample of the OY page.
const oyDisbursementBody = `{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_name":"John Doe","recipient_bank":"008","recipient_account":"1234567890","trx_id":"ABC-123","partner_trx_id":"1234-asdf","timestamp":"16-10-2021 10:34:23"}`

type sent struct {
	Status int
	Body   string
	ID     int64
}

// send posts a raw callback the way a provider would: no cookies, no CSRF.
func (a *testApp) send(method, path string, header http.Header, body string) sent {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.http.URL+path, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	// JSON unless the caller chose a type; a chosen "" sends none at all.
	if ct, chosen := header["Content-Type"]; !chosen && body != "" {
		req.Header.Set("Content-Type", "application/json")
	} else if chosen && len(ct) == 1 && ct[0] == "" {
		req.Header.Del("Content-Type")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	id, _ := strconv.ParseInt(resp.Header.Get("X-Callback-Id"), 10, 64)
	return sent{Status: resp.StatusCode, Body: string(b), ID: id}
}

func (a *testApp) callback(id int64) *models.Callback {
	a.t.Helper()
	cb, err := a.store.CallbackByID(context.Background(), id)
	if err != nil {
		a.t.Fatalf("callback %d not stored: %v", id, err)
	}
	return cb
}

func (a *testApp) drain() {
	a.t.Helper()
	for {
		n, err := a.worker.RunOnce(context.Background())
		if err != nil {
			a.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func TestOYCallbacksAreStoredVerifiedAndDeduplicated(t *testing.T) {
	a := newTestApp(t)
	tok := "?token=" + a.cfg.OY.CallbackToken
	first := a.send("POST", "/callbacks/oy/disbursement"+tok, nil, oyDisbursementBody)
	if first.Status != 200 || first.ID == 0 {
		t.Fatalf("genuine callback: %+v", first)
	}
	cb := a.callback(first.ID)
	if !cb.Verified || cb.Status != models.CallbackPending || string(cb.Body) != oyDisbursementBody || !strings.Contains(cb.Refs, "1234-asdf") {
		t.Fatalf("stored %+v", cb)
	}
	if strings.Contains(cb.Query, a.cfg.OY.CallbackToken) || !strings.Contains(cb.Query, "REDACTED") {
		t.Fatalf("token stored in the clear: %q", cb.Query)
	}
	again := a.send("POST", "/callbacks/oy/disbursement"+tok, nil, oyDisbursementBody)
	if again.Status != 200 {
		t.Fatalf("a repeat must still be acknowledged so OY stops sending: %d", again.Status)
	}
	dup := a.callback(again.ID)
	if !dup.Duplicate || dup.DuplicateOf == nil || *dup.DuplicateOf != first.ID || dup.Status != models.CallbackDuplicate {
		t.Fatalf("repeat not recognised: %+v", dup)
	}
	a.drain()
	if got := a.callback(first.ID); got.Status != models.CallbackUnmatched || got.Attempts != 1 {
		t.Fatalf("first after processing: %s, %d attempts", got.Status, got.Attempts)
	}
	if got := a.callback(again.ID); got.Attempts != 0 {
		t.Fatal("the duplicate was processed")
	}
}

func TestBadCallbacksAreStoredWithTheirReasonAndRefused(t *testing.T) {
	a := newTestApp(t)
	tok := "?token=" + a.cfg.OY.CallbackToken
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		reason                          string
	}{
		{"wrong token", "POST", "/callbacks/oy/disbursement?token=guess", "", oyDisbursementBody, 401, "secret is wrong"},
		{"missing token", "POST", "/callbacks/oy/disbursement", "", oyDisbursementBody, 401, "carries no ?token="},
		{"empty body", "POST", "/callbacks/oy/disbursement" + tok, "", "", 400, "could not be read"},
		{"malformed JSON", "POST", "/callbacks/oy/disbursement" + tok, "", `{"status":{"code":"000"`, 400, "could not be read"},
		{"XML to a JSON URL", "POST", "/callbacks/oy/va" + tok, "application/xml", `<va><amount>1</amount></va>`, 400, "could not be read"},
		{"wrong method", "GET", "/callbacks/oy/disbursement" + tok, "", "", 405, "method GET is not accepted"},
		{"ayopop wrong token", "POST", "/callbacks/ayopop?token=" + a.cfg.OY.CallbackToken, "", `{"responseCode":0}`, 401, "secret is wrong"},
		{"faspay missing signature", "POST", "/callbacks/faspay/payment-notification", "", `{"request":"Payment Notification","trx_id":"1","merchant_id":"31932","bill_no":"B1","payment_status_code":"2"}`, 401, ""},
		{"doku no token", "POST", "/callbacks/doku/v1.0/debit/notify", "", `{"originalPartnerReferenceNo":"x"}`, 401, ""},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.ctype != "" {
			h.Set("Content-Type", c.ctype)
		}
		r := a.send(c.method, c.path, h, c.body)
		if r.Status != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, r.Status, c.status, r.Body)
			continue
		}
		if r.ID == 0 {
			t.Errorf("%s: not stored", c.name)
			continue
		}
		cb := a.callback(r.ID)
		if cb.Verified || !strings.Contains(cb.VerifyReason, c.reason) || string(cb.Body) != c.body || cb.ReplyStatus != c.status {
			t.Errorf("%s: stored verified=%v reason=%q reply=%d", c.name, cb.Verified, cb.VerifyReason, cb.ReplyStatus)
		}
	}
	a.drain()
	page, _ := a.store.ListCallbacks(context.Background(), store.CallbackFilter{Status: models.CallbackPending}, 50)
	if len(page.Items) != 0 {
		t.Fatal("a refused callback was queued for processing")
	}
}

// A genuine, readable callback sent with a Content-Type other than the
// documented one is accepted (refusing it would lose a real change of
// state), and its verification reason tells the auditor about it.
func TestUnexpectedContentTypeIsAcceptedAndNoted(t *testing.T) {
	a := newTestApp(t)
	tok := "?token=" + a.cfg.OY.CallbackToken
	for ctype, note := range map[string]string{
		"text/plain":                      `sent as "text/plain", not as documented (application/json)`,
		"":                                "sent without a Content-Type",
		"application/json; charset=utf-8": "",
		"application/json":                "",
	} {
		r := a.send("POST", "/callbacks/oy/disbursement"+tok, http.Header{"Content-Type": {ctype}}, oyDisbursementBody)
		cb := a.callback(r.ID)
		if r.Status != 200 || !cb.Verified {
			t.Errorf("%q: %d verified=%v %q", ctype, r.Status, cb.Verified, cb.VerifyReason)
			continue
		}
		if note == "" && strings.Contains(cb.VerifyReason, "note:") {
			t.Errorf("%q: the documented type is noted as unusual: %q", ctype, cb.VerifyReason)
		}
		if note != "" && !strings.Contains(cb.VerifyReason, note) {
			t.Errorf("%q: reason %q does not say %q", ctype, cb.VerifyReason, note)
		}
	}
}

// A callback is received when its whole body has arrived: one whose body
// trickles in is stamped at the end, in step with the order of storage.
func TestSlowBodyIsStampedWhenItEnds(t *testing.T) {
	a := newTestApp(t)
	c, err := net.Dial("tcp", strings.TrimPrefix(a.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := oyDisbursementBody
	head := "POST /callbacks/oy/disbursement?token=" + a.cfg.OY.CallbackToken + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(c, head+body[:10]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the handler is now reading the body
	started := a.clock.Now()
	a.clock.Advance(time.Hour)
	if _, err := io.WriteString(c, body[10:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id, _ := strconv.ParseInt(resp.Header.Get("X-Callback-Id"), 10, 64)
	if resp.StatusCode != 200 || id == 0 {
		t.Fatalf("slow body answered %d, id %d", resp.StatusCode, id)
	}
	// To the microsecond: what PostgreSQL keeps of a time (SQLite keeps nanoseconds).
	if got := a.callback(id).ReceivedAt; !got.Truncate(time.Microsecond).Equal(started.Add(time.Hour).Truncate(time.Microsecond)) {
		t.Fatalf("received_at %v, want the time the body ended (%v), not when the headers came (%v)", got, started.Add(time.Hour), started)
	}
}

func TestOversizeCallbackIsRefusedAndCounted(t *testing.T) {
	a := newTestApp(t)
	big := `{"x":"` + strings.Repeat("a", 10<<20) + `"}`
	r := a.send("POST", "/callbacks/oy/disbursement?token="+a.cfg.OY.CallbackToken, nil, big)
	if r.Status != http.StatusRequestEntityTooLarge || r.ID != 0 {
		t.Fatalf("10 MB body: %+v", r.Status)
	}
	counts, err := a.store.RefusalCounts(context.Background(), store.RefusalCountsFilter{Provider: "oy", Kind: "disbursement"})
	if err != nil || counts[models.RefusalOversize] != 1 {
		t.Fatalf("oversize count = %v (%v)", counts, err)
	}
	b := a.signedIn(models.RoleAuditor)
	if got := byTestID(t, b.get("/callback-log"), "refused-oversize").Find(testid("refused-value")).Text(); got != "1" {
		t.Fatalf("the log shows %q refused as too large", got)
	}
}

func TestFaspayNotificationIsVerifiedAndAnsweredAsDocumented(t *testing.T) {
	a := newTestApp(t)
	sig := faspay.NotificationSignature(a.cfg.Faspay.UserID, a.cfg.Faspay.Password, "BILL-1", "2")
	body := `{"request":"Payment Notification","trx_id":"3183540500001172","merchant_id":"` + a.cfg.Faspay.MerchantID + `","merchant":"Sandbox Merchant","bill_no":"BILL-1","payment_reff":"123","payment_date":"2026-11-21 10:00:00","payment_status_code":"2","payment_status_desc":"Payment Sukses","bill_total":"10000","payment_total":"10000","payment_channel_uid":"720","payment_channel":"OVO","signature":"` + sig + `"}`
	r := a.send("POST", "/callbacks/faspay/payment-notification", nil, body)
	if r.Status != 200 || !strings.Contains(r.Body, `"response_code":"00"`) || !strings.Contains(r.Body, `"bill_no":"BILL-1"`) {
		t.Fatalf("reply %d %s", r.Status, r.Body)
	}
	if cb := a.callback(r.ID); !cb.Verified || cb.ReplyBody != r.Body {
		t.Fatalf("stored %+v", cb)
	}
	forged := strings.Replace(body, `"payment_status_code":"2"`, `"payment_status_code":"3"`, 1)
	if r := a.send("POST", "/callbacks/faspay/payment-notification", nil, forged); r.Status != 401 || a.callback(r.ID).Verified {
		t.Fatalf("forged status accepted: %d", r.Status)
	} else if refs := a.callback(r.ID).Refs; !strings.Contains(refs, "BILL-1") {
		// A clerk searching the bill number also finds the forged notification.
		t.Fatalf("forged notification stored with refs %q, want its bill_no", refs)
	}
}

// askDokuToken sends DOKU's signed request for a B2B access token.
func (a *testApp) askDokuToken(t *testing.T) sent {
	t.Helper()
	ts := doku.FormatTimestamp(time.Now())
	sig, err := doku.SignToken(testDokuKey(), a.cfg.Doku.ClientID, ts)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"X-Client-Key": {a.cfg.Doku.ClientID}, "X-Timestamp": {ts}, "X-Signature": {sig}}
	return a.send("POST", "/callbacks/doku/v1.0/access-token/b2b", h, `{"grantType":"client_credentials"}`)
}

func TestDokuTokenThenNotification(t *testing.T) {
	a := newTestApp(t)
	r := a.askDokuToken(t)
	if r.Status != 200 || !strings.Contains(r.Body, `"2007300"`) {
		t.Fatalf("token: %d %s", r.Status, r.Body)
	}
	tokCB := a.callback(r.ID)
	var token string
	if i := strings.Index(r.Body, `"accessToken":"`); i >= 0 {
		token = r.Body[i+len(`"accessToken":"`):]
		token = token[:strings.IndexByte(token, '"')]
	}
	if token == "" || strings.Contains(tokCB.ReplyBody, token) || tokCB.Status != models.CallbackAcknowledged {
		t.Fatalf("issued token kept in the log or not issued: %q", tokCB.ReplyBody)
	}

	body := `{"originalPartnerReferenceNo":"INV-1","originalReferenceNo":"DOKU-9","originalExternalId":"1234","latestTransactionStatus":"00","transactionStatusDesc":"Success","amount":{"value":"10000.00","currency":"IDR"},"additionalInfo":{"channel":"EMONEY_OVO_SNAP"}}`
	notify := func(at time.Time) sent {
		ts := doku.FormatTimestamp(at)
		path := "/callbacks/doku/v1.0/debit/notify"
		h := http.Header{"Authorization": {"Bearer " + token}, "X-Timestamp": {ts}, "X-External-Id": {"778899"}, "X-Partner-Id": {a.cfg.Doku.ClientID},
			"X-Signature": {doku.SignTransaction(a.cfg.Doku.SecretKey, "POST", path, token, []byte(body), ts)}}
		return a.send("POST", path, h, body)
	}
	ok := notify(time.Now())
	if ok.Status != 200 || ok.Body != `{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}` {
		t.Fatalf("notify: %d %s", ok.Status, ok.Body)
	}
	if cb := a.callback(ok.ID); !cb.Verified || strings.Contains(cb.Headers, token) {
		t.Fatalf("stored %+v", cb)
	}
	stale := notify(time.Now().Add(-time.Hour))
	if stale.Status != 401 || !strings.Contains(a.callback(stale.ID).VerifyReason, "X-TIMESTAMP") {
		t.Fatalf("replayed old timestamp: %d %q", stale.Status, a.callback(stale.ID).VerifyReason)
	}
	if refs := a.callback(stale.ID).Refs; !strings.Contains(refs, "INV-1") {
		t.Fatalf("refused notification stored with refs %q, want its partner reference", refs)
	}
}

// The documented callback samples of each unsigned provider are accepted
// with the token and refused without it.
func TestDocumentedCallbackSamplesAreAccepted(t *testing.T) {
	a := newTestApp(t)
	cases := []struct{ path, token, fixture string }{
		{"/callbacks/oy/disbursement", a.cfg.OY.CallbackToken, "../providers/oy/testdata/disbursement_callback.json"},
		{"/callbacks/oy/va", a.cfg.OY.CallbackToken, "../providers/oy/testdata/va_callback.json"},
		{"/callbacks/ayopop", a.cfg.Ayopop.CallbackToken, "../providers/ayopop/testdata/callback_success.json"},
	}
	for _, c := range cases {
		body, err := os.ReadFile(c.fixture)
		if err != nil {
			t.Fatal(err)
		}
		r := a.send("POST", c.path+"?token="+c.token, nil, string(body))
		if cb := a.callback(r.ID); r.Status != 200 || !cb.Verified || cb.Refs == "" {
			t.Errorf("%s: %d verified=%v refs=%q reason=%q", c.fixture, r.Status, cb.Verified, cb.Refs, cb.VerifyReason)
		}
		if r := a.send("POST", c.path, nil, string(body)); r.Status != 401 {
			t.Errorf("%s without token: %d", c.fixture, r.Status)
		}
	}
}

func TestCallbackLogListDetailReplayAndExport(t *testing.T) {
	a := newTestApp(t)
	tok := "?token=" + a.cfg.OY.CallbackToken
	good := a.send("POST", "/callbacks/oy/disbursement"+tok, nil, oyDisbursementBody)
	a.send("POST", "/callbacks/oy/disbursement?token=nope", nil, oyDisbursementBody)
	a.drain()

	aud := a.signedIn(models.RoleAuditor)
	list := aud.get("/callback-log")
	if list.Status != 200 || strings.Count(list.Body, `data-testid="callback-row"`) != 2 {
		t.Fatalf("list: %d rows", strings.Count(list.Body, `data-testid="callback-row"`))
	}
	for q, rows := range map[string]int{"q=1234-asdf": 2, "verified=no": 1, "status=unmatched": 1, "provider=faspay": 0, "q=nothing": 0} {
		p := aud.get("/callback-log?" + q)
		if n := strings.Count(p.Body, `data-testid="callback-row"`); n != rows {
			t.Errorf("%s: %d rows, want %d", q, n, rows)
		}
	}
	for q, field := range map[string]string{"provider=paypal": "provider", "status=weird": "status", "from=tomorrow": "from", "verified=maybe": "verified"} {
		if p := aud.get("/callback-log?" + q); p.Status != 422 || !strings.Contains(p.Body, `data-testid="error-`+field+`"`) {
			t.Errorf("%s: %d", q, p.Status)
		}
	}
	detail := aud.get("/callback-log/" + itoa(good.ID))
	for _, want := range []string{`&#34;partner_trx_id&#34;: &#34;1234-asdf&#34;`, "secret token matched", `data-testid="attempts"`, "No disbursement in the dashboard has this partner_trx_id", `{&#34;status&#34;:&#34;received&#34;}`} {
		if !strings.Contains(detail.Body, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	if strings.Contains(detail.Body, a.cfg.OY.CallbackToken) {
		t.Fatal("the callback token is shown on a page")
	}
	if strings.Contains(detail.Body, `data-testid="replay"`) {
		t.Fatal("auditor is offered replay")
	}

	admin := a.signedIn(models.RoleAdmin)
	if p := admin.post("/callback-log/"+itoa(good.ID)+"/replay", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("replay: %d", p.Status)
	}
	if cb := a.callback(good.ID); cb.Attempts != 2 {
		t.Fatalf("attempts after replay = %d", cb.Attempts)
	}
	attempts, _ := a.store.CallbackAttempts(context.Background(), good.ID)
	if attempts[1].ActorEmail != "admin@example.com" || count(auditActions(t, a), "callback.replay") != 1 {
		t.Fatalf("replay not attributed: %+v", attempts)
	}
	if p := admin.post("/callback-log/replay", url.Values{"provider": {"oy"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("bulk replay: %d", p.Status)
	}
	if cb := a.callback(good.ID); cb.Status != models.CallbackPending {
		t.Fatalf("bulk replay did not queue: %s", cb.Status)
	}
	a.drain()
	if cb := a.callback(good.ID); cb.Status != models.CallbackUnmatched || cb.Attempts != 3 {
		t.Fatalf("after bulk replay: %s %d", cb.Status, cb.Attempts)
	}

	resp, err := aud.c.Get(a.http.URL + "/callback-log?format=csv&verified=yes")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != itoa(good.ID) {
		t.Fatalf("csv %v %v", rows, err)
	}
}

func TestPrettyBody(t *testing.T) {
	cases := map[string]string{
		`{"a":1}`:                   "JSON",
		`<faspay><a>1</a></faspay>`: "XML",
		"trx_id=1&bill_no=B":        "form fields",
		"not json {":                "text, not valid JSON",
		string([]byte{0xff, 0xfe}):  "bytes that are not text",
		"":                          "empty",
	}
	for in, want := range cases {
		if _, got := prettyBody(context.Background(), []byte(in), "POST"); got != want {
			t.Errorf("prettyBody(%q) format %q, want %q", in, got, want)
		}
	}
}

// Callback answers carry a request id; each refusal is logged on its own
// line with that id and the reason (never the secret), and accepted ones
// appear in the summary line.
func TestCallbackRequestsAreLoggedByRefusalAndSummary(t *testing.T) {
	a := newTestApp(t)
	for range 3 {
		if r := a.send("POST", "/callbacks/oy/disbursement?token="+a.cfg.OY.CallbackToken, nil, oyDisbursementBody); r.Status != 200 {
			t.Fatalf("accepted callback answered %d", r.Status)
		}
	}
	req, _ := http.NewRequest("POST", a.http.URL+"/callbacks/oy/disbursement?token=guess-"+a.cfg.OY.CallbackToken[:4], strings.NewReader(oyDisbursementBody))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rid := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != 401 || rid == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("refused callback: %d, request id %q, headers %v", resp.StatusCode, rid, resp.Header)
	}
	a.srv.LogCallbackSummary()
	var refusedLine, summary map[string]any
	for _, line := range strings.Split(a.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		switch m["msg"] {
		case "callback refused":
			refusedLine = m
		case "callbacks answered":
			if m["endpoint"] == "/callbacks/oy/disbursement" {
				summary = m
			}
		}
	}
	if refusedLine == nil || refusedLine["request_id"] != rid || refusedLine["status"] != float64(401) ||
		!strings.Contains(fmt.Sprint(refusedLine["reason"]), "secret is wrong") || refusedLine["callback_id"] == float64(0) {
		t.Errorf("refusal logged as %v", refusedLine)
	}
	if summary == nil || summary["status_200"] != float64(3) || summary["status_401"] != float64(1) || summary["total"] != float64(4) {
		t.Errorf("summary logged as %v", summary)
	}
	if strings.Contains(a.logs.String(), a.cfg.OY.CallbackToken) {
		t.Error("the callback token reached the log")
	}
}
