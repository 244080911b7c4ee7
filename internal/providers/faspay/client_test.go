package faspay

import (
	"backoffice/internal/providers/provider"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var fastRetry = provider.RetryPolicy{Attempts: 3, Base: time.Millisecond, Max: 2 * time.Millisecond}

func testClient(url string, logger *slog.Logger) *Client {
	return New(Config{BaseURL: url, MerchantID: testMerchantID, MerchantName: "FASPAY STORE", UserID: testUserID,
		Password: testPassword, Timeout: 2 * time.Second, Logger: logger}, WithRetry(fastRetry))
}

// docsServer answers every path with the documented response sample and
// records the request bodies.
type docsServer struct {
	mu       sync.Mutex
	requests map[string][]byte
	answers  map[string][]byte
}

func (d *docsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	d.requests[r.URL.Path] = body
	ans := d.answers[r.URL.Path]
	d.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad method or content type", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(ans)
}

func newDocsServer(t *testing.T) (*docsServer, *httptest.Server) {
	d := &docsServer{requests: map[string][]byte{}, answers: map[string][]byte{
		Paths.Activation:       fixture(t, "activation_response.json"),
		Paths.Payment:          fixture(t, "payment_response.json"),
		Paths.TopUpInstruction: fixture(t, "topup_instruction_response.json"),
		Paths.Balance:          fixture(t, "balance_response.json"),
		Paths.History:          fixture(t, "history_response.json"),
		// The page has no unlink response sample: the common envelope.
		Paths.Unlink: []byte(`{"response":"Unlink OVO Open API","response_code":"00","response_desc":"Success"}`),
	}}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return d, srv
}

func TestClientParsesDocumentedResponses(t *testing.T) {
	_, srv := newDocsServer(t)
	c := testClient(srv.URL, nil)
	ctx := context.Background()

	act, err := c.Activate(ctx, &ActivationParams{PhoneNo: testPhone, CustName: "Andrea Hinata"})
	if err != nil {
		t.Fatal(err)
	}
	if act.ResponseCode != CodeSuccess || act.Status != "ALLOWED" || act.Message != "SUCCESS" {
		t.Errorf("activation = %+v", act)
	}
	if strings.Contains(act.RedirectURL, "&amp") || !strings.Contains(act.RedirectURL, "?action=otpLinkage&authType=2FA&client-id=OAMERCHANTAB") {
		t.Errorf("redirect not cleaned: %s", act.RedirectURL)
	}
	if !strings.Contains(act.RawRedirect, "&ampauthType") {
		t.Errorf("raw redirect changed: %s", act.RawRedirect)
	}

	pay, err := c.Pay(ctx, &PaymentParams{BillNo: "123", BillDesc: "prepaid credit transfer.", BillTotal: 10000,
		PhoneNo: testPhone, CustName: "Andrea Hinata", Email: "andreahinata@email.com"})
	if err != nil {
		t.Fatal(err)
	}
	wantDay := time.Date(2021, 11, 11, 11, 26, 42, 0, Jakarta)
	if pay.Status != "PENDING" || pay.TrxID != "9999982980212147" || pay.BillNo != "123" || pay.Amount != 100 ||
		!pay.PaymentDay.Equal(wantDay) || pay.PaymentDayRaw != "2021-11-11 11:26:42" {
		t.Errorf("payment = %+v", pay)
	}
	if !strings.Contains(pay.RedirectURL, "clientTxnId=9999982980212147&action=payment") {
		t.Errorf("payment redirect = %s", pay.RedirectURL)
	}

	top, err := c.TopUpInstruction(ctx, &TopUpInstructionParams{PhoneNo: testPhone})
	if err != nil {
		t.Fatal(err)
	}
	var opts []string
	for i, o := range top.Options {
		opts = append(opts, o.Option)
		if o.Key != "instruction_"+string(rune('1'+i)) || !strings.HasPrefix(o.URL, "https://images.ovo.id/") || !strings.HasPrefix(o.Icon, "https://") {
			t.Errorf("option %d = %+v", i, o)
		}
	}
	if want := []string{"ATM", "Internet / Mobile Banking", "Grab", "Tokopedia", "Merchant / Mitra OVO"}; !slices.Equal(opts, want) {
		t.Errorf("options = %q", opts)
	}
	if top.Merchant != "FASPAY DEMO" || top.PaymentChannel != "720" {
		t.Errorf("top-up = %+v", top)
	}

	bal, err := c.Balance(ctx, &BalanceParams{PhoneNo: testPhone})
	if err != nil {
		t.Fatal(err)
	}
	if bal.Cash != 1967700 || bal.Points != 2539434 || bal.PhoneNo != testPhone || bal.MerchantID != "99999" {
		t.Errorf("balance = %+v", bal)
	}

	hist, err := c.History(ctx, &HistoryParams{PhoneNo: testPhone, StartDate: wantDay, EndDate: wantDay, Page: 1, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tx := range hist.Transactions {
		ids = append(ids, tx.TrxID)
		if tx.Amount != 100 || tx.Status != "SUCCESS" || len(tx.Details) != 1 || tx.Details[0] != (AmountDetail{"CASH", 100}) {
			t.Errorf("transaction = %+v", tx)
		}
	}
	if want := []string{"9999982980212148", "9999982903353426", "9999982941269844"}; !slices.Equal(ids, want) {
		t.Errorf("history order = %v", ids)
	}
	if first := hist.Transactions[0]; first.Key != "transaction_1" || !first.PaymentDate.Equal(time.Date(2021, 11, 11, 11, 27, 34, 0, Jakarta)) {
		t.Errorf("first = %+v", first)
	}
	if hist.Merchant != "FASPAY STORE" || string(hist.RawRefunds) != `""` {
		t.Errorf("history = %+v", hist)
	}

	un, err := c.Unlink(ctx, &UnlinkParams{PhoneNo: testPhone})
	if err != nil || un.ResponseCode != CodeSuccess {
		t.Fatalf("unlink = %+v, %v", un, err)
	}
}

func TestClientTokenExpired(t *testing.T) {
	body := fixture(t, "payment_token_expired_response.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) }))
	defer srv.Close()
	_, err := testClient(srv.URL, nil).Pay(context.Background(), &PaymentParams{BillNo: "123", BillDesc: "credit purchase transfer",
		BillTotal: 10000, PhoneNo: testPhone, CustName: "Andrea Hinata", Email: "andreahinata@gmail.com"})
	if !errors.Is(err, ErrPaymentTokenExpired) {
		t.Fatalf("err = %v, want token expired", err)
	}
	link, ok := TokenExpired(err)
	if !ok || !strings.HasPrefix(link, "https://webview.byte-stack.net/cellblockui/v2/paymentPin?action=regeneratePayment") {
		t.Errorf("regenerate url = %q", link)
	}
	if !provider.IsRejected(err) || provider.IsUnknown(err) {
		t.Errorf("02 must be a rejection, got %v", err)
	}
	var fe *provider.Error
	if !errors.As(err, &fe) || fe.Code != "02" || fe.ProviderMessage != "Failed, please regenerate payment token" || !strings.Contains(fe.Message, "renewal link") {
		t.Errorf("error = %+v", fe)
	}
	if _, ok := TokenExpired(errors.New("other")); ok {
		t.Error("TokenExpired matched a plain error")
	}
}

func TestClientRequestsMatchDocs(t *testing.T) {
	d, srv := newDocsServer(t)
	c := testClient(srv.URL, nil)
	ctx := context.Background()
	day := time.Date(2021, 11, 11, 0, 0, 0, 0, Jakarta)
	calls := []struct {
		path, fixture string
		call          func() error
	}{
		{Paths.Activation, "activation_request.json", func() error {
			_, err := c.Activate(ctx, &ActivationParams{PhoneNo: testPhone, CustName: "Andrea Hinata"})
			return err
		}},
		{Paths.Payment, "payment_request.json", func() error {
			_, err := c.Pay(ctx, &PaymentParams{BillNo: "123", BillDesc: "prepaid credit transfer.", BillTotal: 10000,
				PhoneNo: testPhone, CustName: "Andrea Hinata", Email: "andreahinata@gmail.com", PayType: PayCash})
			return err
		}},
		{Paths.TopUpInstruction, "topup_instruction_request.json", func() error {
			_, err := c.TopUpInstruction(ctx, &TopUpInstructionParams{PhoneNo: testPhone})
			return err
		}},
		{Paths.Balance, "balance_request.json", func() error {
			_, err := c.Balance(ctx, &BalanceParams{PhoneNo: testPhone})
			return err
		}},
		{Paths.History, "history_request.json", func() error {
			_, err := c.History(ctx, &HistoryParams{PhoneNo: testPhone, StartDate: day, EndDate: day, Page: 1, Limit: 10})
			return err
		}},
		{Paths.Unlink, "unlink_request.json", func() error {
			_, err := c.Unlink(ctx, &UnlinkParams{PhoneNo: testPhone})
			return err
		}},
	}
	for _, tc := range calls {
		t.Run(tc.fixture, func(t *testing.T) {
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			want := fixture(t, tc.fixture)
			if !json.Valid(want) {
				want = append(bytes.TrimSpace(want), '}') // the unlink sample lacks its closing brace
			}
			d.mu.Lock()
			got := d.requests[tc.path]
			d.mu.Unlock()
			if g, w := keySet(t, got), keySet(t, want); !slices.Equal(g, w) {
				t.Errorf("request keys\n got %v\nwant %v", g, w)
			}
			var gm, wm map[string]string
			_ = json.Unmarshal(got, &gm)
			_ = json.Unmarshal(want, &wm)
			for _, k := range []string{"signature", "merchant_id", "payment_channel", "phone_no", "request", "bill_no", "bill_total", "start_date", "end_date", "page", "limit", "pay_type", "bill_currency"} {
				if w, ok := wm[k]; ok && gm[k] != w {
					t.Errorf("%s = %q, docs %q", k, gm[k], w)
				}
			}
		})
	}
}

func TestClientValidatesParams(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := testClient(srv.URL, nil)
	ctx := context.Background()
	errs := []error{}
	_, err := c.Activate(ctx, &ActivationParams{PhoneNo: testPhone})
	errs = append(errs, err)
	_, err = c.Pay(ctx, &PaymentParams{BillNo: "1", PhoneNo: testPhone, BillTotal: 0})
	errs = append(errs, err)
	_, err = c.Pay(ctx, &PaymentParams{BillNo: "1", PhoneNo: testPhone, BillTotal: 5, PayType: "7"})
	errs = append(errs, err)
	_, err = c.History(ctx, &HistoryParams{PhoneNo: testPhone, StartDate: time.Now(), EndDate: time.Now().AddDate(0, 0, -2)})
	errs = append(errs, err)
	_, err = c.Balance(ctx, nil)
	errs = append(errs, err)
	for i, err := range errs {
		if !provider.IsRejected(err) {
			t.Errorf("case %d: err = %v, want a rejection", i, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("invalid params reached the server %d times", hits.Load())
	}
}

func TestClientBadAnswers(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		sleep   time.Duration
		outcome provider.Outcome
		code    string
	}{
		{"html", 200, "<html><body>Maintenance</body></html>", 0, provider.Unknown, ""},
		{"empty", 200, "", 0, provider.Unknown, ""},
		{"truncated", 200, `{"response":"Check Balance OVO Open API","response_code":"00","detail":{"cash":{"bal`, 0, provider.Unknown, ""},
		{"no code", 200, `{"response":"x"}`, 0, provider.Unknown, ""},
		{"unknown code", 200, `{"response":"x","response_code":"77","response_desc":"Strange"}`, 0, provider.Unknown, "77"},
		{"failed", 200, `{"response":"x","response_code":"01","response_desc":"Failed"}`, 0, provider.Rejected, "01"},
		{"failed numeric", 200, `{"response":"x","response_code":1,"response_desc":"Invalid signature"}`, 0, provider.Rejected, "01"},
		{"500", 500, "oops", 0, provider.Unknown, ""},
		{"502", 502, "<html>Bad Gateway</html>", 0, provider.Unknown, ""},
		{"504", 504, "", 0, provider.Unknown, ""},
		{"400 html", 400, "<html>Bad Request</html>", 0, provider.Rejected, ""},
		{"success with 500", 500, `{"response_code":"00"}`, 0, provider.Unknown, "00"},
		{"timeout", 200, `{"response_code":"00"}`, 400 * time.Millisecond, provider.Unknown, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if tc.sleep > 0 {
					select {
					case <-time.After(tc.sleep):
					case <-r.Context().Done():
						return
					}
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := New(Config{BaseURL: srv.URL, MerchantID: testMerchantID, UserID: testUserID, Password: testPassword,
				Timeout: 100 * time.Millisecond}, WithRetry(fastRetry))

			_, err := c.Pay(context.Background(), &PaymentParams{BillNo: "555", BillDesc: "x", BillTotal: 10000, PhoneNo: testPhone, CustName: "A", Email: "a@b.c"})
			var fe *provider.Error
			if !errors.As(err, &fe) {
				t.Fatalf("pay err = %#v, want *provider.Error", err)
			}
			if fe.Outcome != tc.outcome || fe.Code != tc.code || fe.Message == "" {
				t.Errorf("pay error = %+v, want outcome %v code %q", fe, tc.outcome, tc.code)
			}
			if hits.Load() != 1 {
				t.Errorf("payment sent %d times; writes must not be retried", hits.Load())
			}

			hits.Store(0)
			_, err = c.Balance(context.Background(), &BalanceParams{PhoneNo: testPhone})
			if !errors.As(err, &fe) || fe.Outcome != tc.outcome {
				t.Fatalf("balance err = %v", err)
			}
			wantHits := int32(1)
			if tc.outcome == provider.Unknown {
				wantHits = 3 // reads are retried
			}
			if hits.Load() != wantHits {
				t.Errorf("balance sent %d times, want %d", hits.Load(), wantHits)
			}
		})
	}
}

func TestClientRetryRecovers(t *testing.T) {
	var hits atomic.Int32
	ok := fixture(t, "balance_response.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = w.Write(ok)
	}))
	defer srv.Close()
	bal, err := testClient(srv.URL, nil).Balance(context.Background(), &BalanceParams{PhoneNo: testPhone})
	if err != nil || bal.Cash != 1967700 || hits.Load() != 3 {
		t.Fatalf("balance = %+v, %v after %d calls", bal, err, hits.Load())
	}
}

func TestClientFailedMessages(t *testing.T) {
	cases := []struct{ desc, want string }{
		{"Invalid signature", "signature"},
		{"Invalid merchant_id", "merchant id"},
		{"Account is not linked", "not linked"},
		{"Insufficient balance", "too low"},
		{"Phone number is not registered as OVO account", "no OVO account"},
		{"Duplicate bill_no", "already used"},
		{"Something else", "refused"},
	}
	for _, tc := range cases {
		body := `{"response":"x","response_code":"01","response_desc":"` + tc.desc + `"}`
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) }))
		_, err := testClient(srv.URL, nil).Balance(context.Background(), &BalanceParams{PhoneNo: testPhone})
		srv.Close()
		var fe *provider.Error
		if !errors.As(err, &fe) || !strings.Contains(fe.Message, tc.want) || fe.ProviderMessage != tc.desc || fe.Outcome != provider.Rejected {
			t.Errorf("%q: error = %+v", tc.desc, fe)
		}
	}
	for code := range codes {
		if code == CodeSuccess {
			continue
		}
		if msg, outcome := clerkMessage(code, ""); msg == "" || outcome != provider.Rejected {
			t.Errorf("code %s: %q %v", code, msg, outcome)
		}
	}
}

func TestNoSecretsInErrorsOrLogs(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	answers := []string{`{"response_code":"01","response_desc":"Invalid signature"}`, "<html>", ""}
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, answers[int(n.Add(1)-1)%len(answers)])
	}))
	defer srv.Close()
	c := testClient(srv.URL, logger)
	var errs []string
	for range 3 {
		_, err := c.Pay(context.Background(), &PaymentParams{BillNo: "9", BillDesc: "x", BillTotal: 1, PhoneNo: testPhone, CustName: "A", Email: "a@b.c"})
		errs = append(errs, err.Error(), strings.Join(strings.Fields(err.(*provider.Error).Message), " "))
	}
	// A transport failure whose URL carries userinfo.
	c2 := New(Config{BaseURL: "http://user:" + testPassword + "@127.0.0.1:1", UserID: testUserID, Password: testPassword, Logger: logger})
	_, err := c2.Balance(context.Background(), &BalanceParams{PhoneNo: testPhone})
	errs = append(errs, err.Error())
	if u := errors.Unwrap(err); u != nil {
		errs = append(errs, u.Error())
	}
	all := logs.String() + strings.Join(errs, "\n")
	for _, secret := range []string{testPassword, docsSignature, Signature(testUserID, testPassword, testPhone)} {
		if strings.Contains(all, secret) {
			t.Errorf("secret %q leaked:\n%s", secret, all)
		}
	}
	if !strings.Contains(logs.String(), "op=payment") {
		t.Errorf("calls not logged: %s", logs.String())
	}
}
