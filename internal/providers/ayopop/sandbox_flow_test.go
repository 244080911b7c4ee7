package ayopop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/ayopop/sandbox"
	"backoffice/internal/providers/provider"
)

const callbackToken = "cb-token-5521"

type world struct {
	sb        *sandbox.Sandbox
	base      string // client BaseURL: the sandbox mounted like the app does
	client    *ayopop.Client
	callbacks chan []byte
}

func newWorld(t *testing.T, mutate func(*sandbox.Options)) *world {
	t.Helper()
	w := &world{callbacks: make(chan []byte, 16)}
	receiver := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callbacks/ayopop" || ayopop.VerifyCallbackToken(callbackToken, r.URL.Query().Get("token")) != nil {
			http.Error(rw, "forbidden", http.StatusForbidden)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.callbacks <- body
	}))
	t.Cleanup(receiver.Close)

	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	opts := sandbox.Options{
		PartnerID: testPartner, APIKey: testKey, Secret: testSecret,
		PublicURL:     srv.URL + "/sandbox/ayopop",
		CallbackURL:   receiver.URL + "/callbacks/ayopop?token=" + callbackToken,
		SettleDelay:   30 * time.Millisecond,
		CallbackRetry: 5 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&opts)
	}
	w.sb = sandbox.New(opts)
	t.Cleanup(w.sb.Close)
	mux.Handle("/sandbox/ayopop/", http.StripPrefix("/sandbox/ayopop", w.sb))
	w.base = srv.URL + "/sandbox/ayopop"
	w.client = newClient(w.base, ayopop.Config{})
	return w
}

func (w *world) waitCallback(t *testing.T) *ayopop.Callback {
	t.Helper()
	select {
	case body := <-w.callbacks:
		cb, err := ayopop.ParseCallback(body)
		if err != nil {
			t.Fatalf("callback %s: %v", body, err)
		}
		if cb.Code == ayopop.CodeSuccess { // the page documents a successful one
			sameKeys(t, "callback", body, fixture(t, "status_response.json"))
		}
		return cb
	case <-time.After(3 * time.Second):
		t.Fatal("no callback arrived")
	}
	return nil
}

func (w *world) noCallback(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case body := <-w.callbacks:
		t.Fatalf("unexpected callback %s", body)
	case <-time.After(within):
	}
}

func (w *world) inquire(t *testing.T, account, product string, amount int64) *ayopop.Inquiry {
	t.Helper()
	inq, err := w.client.Inquiry(context.Background(), &ayopop.InquiryParams{AccountNumber: account, ProductCode: product, Amount: amount})
	if err != nil {
		t.Fatalf("inquiry %s %s: %v", account, product, err)
	}
	return inq
}

func (w *world) pay(inq *ayopop.Inquiry, ref string) (*ayopop.Transaction, error) {
	return w.client.Pay(context.Background(), &ayopop.PaymentParams{
		RefNumber: ref, AccountNumber: inq.AccountNumber, ProductCode: inq.ProductCode, Amount: inq.Amount, InquiryID: inq.InquiryID,
	})
}

func (w *world) balance(t *testing.T) int64 {
	t.Helper()
	b, err := w.client.Balance(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Balance != w.sb.Balance() {
		t.Fatalf("client balance %d, sandbox %d", b.Balance, w.sb.Balance())
	}
	return b.Balance
}

func TestSandboxTopUps(t *testing.T) {
	cases := []struct {
		name, account, product string
		amount                 int64 // open amount only
		wantAmount, wantAdmin  int64
	}{
		{"closed Rp 50.000", "081215474224", "AYOVO50", 0, 51300, 0},
		{"closed Rp 10.000 ignores an amount", "081299887766", "AYOVO10", 99999, 11300, 0},
		{"open amount", "081311112222", "AYOVOOPEN", 75000, 75000, 1500},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, nil)
			before := w.balance(t)
			inq := w.inquire(t, c.account, c.product, c.amount)
			if inq.Code != 300 || inq.Amount != c.wantAmount || inq.TotalAdmin != c.wantAdmin || inq.CustomerName == "" || inq.InquiryID == 0 {
				t.Fatalf("inquiry = %+v", inq)
			}
			if len(inq.BillDetails) != 2 || inq.BillDetails[0].Amount != c.wantAmount || inq.BillDetails[1].Amount != c.wantAdmin {
				t.Fatalf("billDetails = %+v", inq.BillDetails)
			}
			tx, err := w.pay(inq, "TOPUP-"+c.account)
			if err != nil {
				t.Fatal(err)
			}
			if tx.State != ayopop.StatePending || tx.Code != 299 || tx.RefNumber != "TOPUP-"+c.account || tx.TransactionID == "" {
				t.Fatalf("payment = %+v", tx)
			}
			if after := w.balance(t); after != before-c.wantAmount-c.wantAdmin {
				t.Fatalf("balance %d → %d, want minus %d", before, after, c.wantAmount+c.wantAdmin)
			}
			cb := w.waitCallback(t)
			if cb.Code != 0 || cb.State != ayopop.StateSuccess || cb.RefNumber != tx.RefNumber || cb.TransactionID != tx.TransactionID || cb.SerialNumber == "" {
				t.Fatalf("callback = %+v", cb)
			}
			if cb.Amount != c.wantAmount || cb.TotalAdmin != c.wantAdmin || cb.AccountNumber != c.account || cb.PaidAt.IsZero() {
				t.Fatalf("callback = %+v", cb)
			}
			st, err := w.client.Status(context.Background(), &ayopop.StatusParams{RefNumber: tx.RefNumber})
			if err != nil {
				t.Fatal(err)
			}
			if st.State != ayopop.StateSuccess || st.SerialNumber != cb.SerialNumber || st.CustomerName != inq.CustomerName {
				t.Fatalf("status = %+v", st)
			}
		})
	}
}

func TestSandboxFailedTopUp(t *testing.T) {
	w := newWorld(t, nil)
	before := w.balance(t)
	inq := w.inquire(t, "081200009001", "AYOVO20", 0)
	tx, err := w.pay(inq, "FAIL-1")
	if err != nil || tx.State != ayopop.StatePending {
		t.Fatalf("payment = %+v, %v", tx, err)
	}
	cb := w.waitCallback(t)
	if cb.Code != ayopop.CodeTopUpFailed || cb.Class != ayopop.ClassFailed || cb.State.Final() || cb.Success {
		t.Fatalf("callback = %+v", cb)
	}
	_, err = w.client.Status(context.Background(), &ayopop.StatusParams{RefNumber: "FAIL-1"})
	e := asError(t, err)
	if e.Outcome != provider.Unknown || e.Code != "101" || ayopop.ClassOf(err) != ayopop.ClassFailed {
		t.Fatalf("status error = %v", e)
	}
	if after := w.balance(t); after != before {
		t.Fatalf("deposit not refunded: %d → %d", before, after)
	}
}

func TestSandboxPendingTopUpAndSimulateSettle(t *testing.T) {
	w := newWorld(t, nil)
	inq := w.inquire(t, "081200009002", "AYOVO100", 0)
	if _, err := w.pay(inq, "PEND-1"); err != nil {
		t.Fatal(err)
	}
	w.noCallback(t, 150*time.Millisecond) // five SettleDelays
	st, err := w.client.Status(context.Background(), &ayopop.StatusParams{RefNumber: "PEND-1"})
	if err != nil || st.State != ayopop.StatePending || st.Code != 299 {
		t.Fatalf("status = %+v, %v", st, err)
	}
	resp, err := http.PostForm(w.base+"/simulate/settle", url.Values{"refNumber": {"PEND-1"}, "status": {"success"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("simulate: %d", resp.StatusCode)
	}
	if cb := w.waitCallback(t); cb.State != ayopop.StateSuccess || cb.RefNumber != "PEND-1" {
		t.Fatalf("callback = %+v", cb)
	}
	resp, _ = http.PostForm(w.base+"/simulate/settle", url.Values{"refNumber": {"PEND-1"}, "status": {"failed"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("settling twice: %d", resp.StatusCode)
	}
}

func TestSandboxLostPaymentAnswer(t *testing.T) {
	w := newWorld(t, nil)
	before := w.balance(t)
	inq := w.inquire(t, "081200009003", "AYOVO50", 0)
	_, err := w.pay(inq, "LOST-1")
	e := asError(t, err)
	if e.Outcome != provider.Unknown || e.HTTPStatus != http.StatusGatewayTimeout {
		t.Fatalf("payment error = %v", e)
	}
	if w.balance(t) != before-51300 {
		t.Fatal("the lost payment was not booked")
	}
	cb := w.waitCallback(t)
	st, err := w.client.Status(context.Background(), &ayopop.StatusParams{RefNumber: "LOST-1"})
	if err != nil || st.State != ayopop.StateSuccess || cb.State != ayopop.StateSuccess {
		t.Fatalf("status = %+v, %v", st, err)
	}
}

func TestSandboxBusinessErrors(t *testing.T) {
	w := newWorld(t, func(o *sandbox.Options) { o.InitialBalance = 100000 })
	ctx := context.Background()
	inquiryErrors := []struct {
		name, account, product string
		amount                 int64
		code                   string
	}{
		{"number not registered", "081200000000", "AYOVO50", 0, "301"},
		{"unknown product", "081215474224", "PLN20", 0, "302"},
		{"inactive product", "081215474224", "AYOVO5", 0, "302"},
		{"open amount too low", "081215474224", "AYOVOOPEN", 5000, "303"},
		{"open amount too high", "081215474224", "AYOVOOPEN", 2000001, "303"},
		{"open amount missing", "081215474224", "AYOVOOPEN", 0, "303"},
		{"not a phone number", "12345", "AYOVO50", 0, "306"},
	}
	for _, c := range inquiryErrors {
		t.Run("inquiry/"+c.name, func(t *testing.T) {
			_, err := w.client.Inquiry(ctx, &ayopop.InquiryParams{AccountNumber: c.account, ProductCode: c.product, Amount: c.amount})
			e := asError(t, err)
			if e.Code != c.code || e.Outcome != provider.Rejected || e.ProviderMessage == "" {
				t.Fatalf("err = %v", e)
			}
		})
	}

	inq := w.inquire(t, "081215474224", "AYOVO50", 0)
	paymentErrors := []struct {
		name   string
		params ayopop.PaymentParams
		code   string
	}{
		{"no such inquiry", ayopop.PaymentParams{RefNumber: "E1", AccountNumber: inq.AccountNumber, ProductCode: inq.ProductCode, Amount: inq.Amount, InquiryID: 1}, "304"},
		{"amount differs from inquiry", ayopop.PaymentParams{RefNumber: "E2", AccountNumber: inq.AccountNumber, ProductCode: inq.ProductCode, Amount: inq.Amount + 1, InquiryID: inq.InquiryID}, "304"},
		{"account differs from inquiry", ayopop.PaymentParams{RefNumber: "E3", AccountNumber: "081299999999", ProductCode: inq.ProductCode, Amount: inq.Amount, InquiryID: inq.InquiryID}, "304"},
	}
	for _, c := range paymentErrors {
		t.Run("payment/"+c.name, func(t *testing.T) {
			_, err := w.client.Pay(ctx, &c.params)
			if e := asError(t, err); e.Code != c.code || e.Outcome != provider.Unknown {
				t.Fatalf("err = %v", e)
			}
		})
	}
	if _, err := w.pay(inq, "OK-1"); err != nil {
		t.Fatal(err)
	}
	t.Run("payment/inquiry used twice", func(t *testing.T) {
		_, err := w.pay(inq, "OK-2")
		if e := asError(t, err); e.Code != "304" {
			t.Fatalf("err = %v", e)
		}
	})
	t.Run("payment/duplicate refNumber", func(t *testing.T) {
		again := w.inquire(t, "081215474224", "AYOVO10", 0)
		_, err := w.pay(again, "OK-1")
		if e := asError(t, err); e.Code != "305" || e.Outcome != provider.Unknown {
			t.Fatalf("err = %v", e)
		}
	})
	t.Run("payment/insufficient deposit", func(t *testing.T) {
		left := w.balance(t) // 100000 - 51300
		big := w.inquire(t, "081215474224", "AYOVOOPEN", left)
		_, err := w.pay(big, "BIG-1")
		if e := asError(t, err); e.Code != "102" || ayopop.ClassOf(err) != ayopop.ClassFailed || e.Outcome != provider.Unknown {
			t.Fatalf("err = %v", e)
		}
		if w.balance(t) != left {
			t.Fatal("deposit changed")
		}
	})
	t.Run("status/unknown refNumber", func(t *testing.T) {
		_, err := w.client.Status(ctx, &ayopop.StatusParams{RefNumber: "NOPE"})
		if e := asError(t, err); e.Code != "404" || e.Outcome != provider.Unknown {
			t.Fatalf("err = %v", e)
		}
	})
}

func TestSandboxChecksCredentials(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	cases := []struct {
		name string
		cfg  ayopop.Config
		code string
	}{
		{"wrong KEY", ayopop.Config{APIKey: "nope"}, "401"},
		{"wrong secret", ayopop.Config{Secret: "nope"}, "402"},
		{"wrong partner", ayopop.Config{PartnerID: "someone-else"}, "403"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := newClient(w.base, c.cfg)
			_, err := cl.Inquiry(ctx, &ayopop.InquiryParams{AccountNumber: "081215474224", ProductCode: "AYOVO50"})
			if e := asError(t, err); e.Code != c.code || e.Outcome != provider.Rejected || e.HTTPStatus != http.StatusUnauthorized {
				t.Fatalf("inquiry err = %v", e)
			}
			_, err = cl.Pay(ctx, &ayopop.PaymentParams{RefNumber: "X", AccountNumber: "081215474224", ProductCode: "AYOVO50", Amount: 51300, InquiryID: 1})
			if e := asError(t, err); e.Code != c.code || e.Outcome != provider.Unknown {
				t.Fatalf("payment err = %v", e)
			}
		})
	}

	payload := []byte(`{"partnerId":"` + testPartner + `","accountNumber":"081215474224","productCode":"AYOVO50"}`)
	good, _ := ayopop.SignToken([]byte(testSecret), payload)
	b64 := func(s string) string { return base64URL([]byte(s)) }
	raw := []struct {
		name, method, key, token, version string
		status, code                      int
	}{
		{"alg none", http.MethodPost, testKey, b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(string(payload)) + ".", "1.0", 401, 402},
		{"alg HS512", http.MethodPost, testKey, b64(`{"alg":"HS512"}`) + "." + b64(string(payload)) + "." + lastPart(good), "1.0", 401, 402},
		{"no TOKEN", http.MethodPost, testKey, "", "1.0", 401, 402},
		{"no KEY", http.MethodPost, "", good, "1.0", 401, 401},
		{"VERSION 2.0", http.MethodPost, testKey, good, "2.0", 400, 405},
		{"GET", http.MethodGet, testKey, good, "1.0", 405, 306},
		{"good", http.MethodPost, testKey, good, "1.0", 200, 300},
	}
	for _, c := range raw {
		t.Run("raw/"+c.name, func(t *testing.T) {
			status, body := rawCall(t, c.method, w.base+ayopop.PathInquiry, c.key, c.token, c.version, payload)
			var env struct {
				ResponseCode int  `json:"responseCode"`
				Success      bool `json:"success"`
			}
			if err := json.Unmarshal(body, &env); err != nil || status != c.status || env.ResponseCode != c.code {
				t.Fatalf("HTTP %d %s", status, body)
			}
		})
	}
}

func TestSandboxProductsAndBalance(t *testing.T) {
	w := newWorld(t, nil)
	ps, err := w.client.Products(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]ayopop.Product{}
	for _, p := range ps {
		byCode[p.Code] = p
	}
	if len(ps) != 6 || byCode["AYOVO50"].Amount != 51300 || byCode["AYOVO50"].IsOpenAmount() || !byCode["AYOVO50"].Active {
		t.Fatalf("products = %+v", ps)
	}
	open := byCode["AYOVOOPEN"]
	if !open.IsOpenAmount() || open.MinAmount != 10000 || open.MaxAmount != 2000000 || open.AdminFee != 1500 {
		t.Fatalf("open product = %+v", open)
	}
	if byCode["AYOVO5"].Active {
		t.Fatal("AYOVO5 should be inactive")
	}
	if w.balance(t) != 10_000_000 {
		t.Fatal("default deposit")
	}
}

// The sandbox answers the page's own requests with the page's shapes.
func TestSandboxAnswersInDocumentedShape(t *testing.T) {
	w := newWorld(t, nil)
	adapt := func(name string, set map[string]any) []byte {
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(fixture(t, name)))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		for k, v := range set {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return b
	}
	post := func(path string, payload []byte) []byte {
		token, _ := ayopop.SignToken([]byte(testSecret), payload)
		status, body := rawCall(t, http.MethodPost, w.base+path, testKey, token, "1.0", payload)
		if status != 200 {
			t.Fatalf("%s: HTTP %d %s", path, status, body)
		}
		return body
	}
	closed := post(ayopop.PathInquiry, adapt("inquiry_closed_request.json", map[string]any{"partnerId": testPartner, "productCode": "AYOVO50"}))
	sameKeys(t, "closed inquiry", closed, fixture(t, "inquiry_closed_response.json"))
	open := post(ayopop.PathInquiry, adapt("inquiry_open_request.json", map[string]any{"partnerId": testPartner, "productCode": "AYOVOOPEN"}))
	sameKeys(t, "open inquiry", open, fixture(t, "inquiry_open_response.json"))

	var inq struct {
		Data struct {
			InquiryID int64 `json:"inquiryId"`
		} `json:"data"`
	}
	_ = json.Unmarshal(closed, &inq)
	pay := post(ayopop.PathPayment, adapt("payment_request.json", map[string]any{
		"partnerId": testPartner, "accountNumber": "081215474224", "inquiryId": inq.Data.InquiryID,
	}))
	sameKeys(t, "payment", pay, fixture(t, "payment_response.json"))
	w.waitCallback(t)
	status := post(ayopop.PathStatus, []byte(`{"partnerId":"`+testPartner+`","refNumber":"48438402"}`))
	sameKeys(t, "status", status, fixture(t, "status_response.json"))
	var st struct {
		Data struct {
			RefNumber json.RawMessage `json:"refNumber"`
		} `json:"data"`
	}
	_ = json.Unmarshal(status, &st)
	if string(st.Data.RefNumber) != "48438402" {
		t.Errorf("numeric refNumber should be a JSON number as on the page, got %s", st.Data.RefNumber)
	}
}

func TestSandboxRetriesCallbacks(t *testing.T) {
	attempts := make(chan int, 8)
	n := 0
	receiver := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		n++
		attempts <- n
		if n < 3 {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer receiver.Close()
	w := newWorld(t, func(o *sandbox.Options) { o.CallbackURL = receiver.URL + "/cb?token=x" })
	inq := w.inquire(t, "081215474224", "AYOVO10", 0)
	if _, err := w.pay(inq, "R-1"); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= 3; want++ {
		select {
		case got := <-attempts:
			if got != want {
				t.Fatalf("attempt %d", got)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("attempt %d never came", want)
		}
	}
	select {
	case got := <-attempts:
		t.Fatalf("attempt %d after a 200", got)
	case <-time.After(100 * time.Millisecond):
	}
}

func rawCall(t *testing.T, method, url, key, token, version string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("KEY", key)
	}
	if token != "" {
		req.Header.Set("TOKEN", token)
	}
	req.Header.Set("VERSION", version)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
