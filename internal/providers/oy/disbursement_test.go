package oy_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/providers/provider"
)

var ctx = context.Background()

func TestDocumentedDisbursementResponsesParse(t *testing.T) {
	t.Run("inquiry", func(t *testing.T) {
		c := serveFixture(t, 200, fixture(t, "inquiry_response.json"))
		got, err := c.Inquiry(ctx, &oy.InquiryParams{RecipientBank: "014", RecipientAccount: "1239812390"})
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2019, 10, 16, 9, 55, 31, 0, oy.Jakarta)
		if got.Code != "000" || got.RecipientName != "John Doe" || got.RecipientBank != "014" ||
			got.RecipientAccount != "1239812390" || !got.Timestamp.Equal(want) {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("remit", func(t *testing.T) {
		c := serveFixture(t, 200, fixture(t, "remit_response.json"))
		got, err := c.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "1239812390", Amount: 125000, PartnerTrxID: "1234-asdf"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != "101" || got.Amount != 125000 || got.TrxID != "ABC-456" || got.PartnerTrxID != "1234-asdf" ||
			got.Final() || got.Succeeded() || got.RawTimestamp != "16-10-2019 10:23:42" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("remit status", func(t *testing.T) {
		c := serveFixture(t, 200, fixture(t, "remit_status_response.json"))
		got, err := c.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: "1234-asde", SendCallback: true})
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != "000" || !got.Succeeded() || !got.Final() || got.RecipientName != "John Doe" || got.RecipientBank != "008" ||
			got.Amount != 125000 || !got.CreatedAt.Equal(time.Date(2020, 1, 24, 6, 48, 8, 0, oy.Jakarta)) ||
			!got.UpdatedAt.Equal(time.Date(2020, 1, 24, 6, 48, 39, 0, oy.Jakarta)) {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("balance", func(t *testing.T) {
		c := serveFixture(t, 200, fixture(t, "balance_response.json"))
		got, err := c.Balance(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := oy.Balance{Balance: 100000000, Overdraft: 500000, Overbooking: 200000, Pending: 2000000, Available: 98500000,
			Timestamp: time.Date(2019, 12, 10, 12, 15, 37, 0, oy.Jakarta), RawTimestamp: "10-12-2019 12:15:37"}
		if !got.Timestamp.Equal(want.Timestamp) {
			t.Errorf("timestamp %v", got.Timestamp)
		}
		got.Timestamp = want.Timestamp
		if *got != want {
			t.Errorf("got %+v want %+v", got, want)
		}
	})
}

func TestSandboxDisbursementShapesMatchDocs(t *testing.T) {
	e := newEnv(t, nil)
	sameKeys(t, "inquiry", fixture(t, "inquiry_response.json"),
		e.rawCall(t, "POST", "/api/inquiry", fixture(t, "inquiry_request.json")))
	sameKeys(t, "remit", fixture(t, "remit_response.json"),
		e.rawCall(t, "POST", "/api/remit", fixture(t, "remit_request.json")))
	// The documented status request names "1234-asde"; remit it first.
	if _, err := e.client.Remit(ctx, &oy.RemitParams{RecipientBank: "008", RecipientAccount: "1234567891", Amount: 125000, PartnerTrxID: "1234-asde"}); err != nil {
		t.Fatal(err)
	}
	sameKeys(t, "remit-status", fixture(t, "remit_status_response.json"),
		e.rawCall(t, "POST", "/api/remit-status", fixture(t, "remit_status_request.json")))
	sameKeys(t, "balance", fixture(t, "balance_response.json"), e.rawCall(t, "GET", "/api/balance", nil))
	cb := e.rc.next(t, "/callbacks/oy/disbursement") // the documented send_callback:"true" asks for one
	sameKeys(t, "callback", fixture(t, "disbursement_callback.json"), cb.body)
	if cb.query != "token=cb-secret" {
		t.Errorf("callback query %q", cb.query)
	}
}

func TestInquiryMockNumbers(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		bank, account, code string
	}{
		{"014", sandbox.AccountBankCodeMissing, "205"},
		{"014", sandbox.AccountNotFound, "209"},
		{"014", "1239812390", "000"},
		{"ovo", "081234567890", "000"},
		{"xyz", "1239812390", "205"},
	} {
		got, err := e.client.Inquiry(ctx, &oy.InquiryParams{RecipientBank: tc.bank, RecipientAccount: tc.account})
		if tc.code == "000" {
			if err != nil || got.RecipientName == "" || got.Code != "000" {
				t.Errorf("%s: %v %+v", tc.account, err, got)
			}
			continue
		}
		if provider.CodeOf(err) != tc.code || !provider.IsRejected(err) {
			t.Errorf("%s: want code %s rejected, got %v", tc.account, tc.code, err)
		}
	}
	var e2 *provider.Error
	_, err := e.client.Inquiry(ctx, &oy.InquiryParams{RecipientBank: "014", RecipientAccount: sandbox.AccountNotFound})
	if !errors.As(err, &e2) || e2.Message != "The bank says this account number does not exist." {
		t.Errorf("clerk message: %v", err)
	}
}

func TestRemitMockNumbers(t *testing.T) {
	e := newEnv(t, nil)
	for i, tc := range []struct {
		account, code string
		outcome       provider.Outcome
	}{
		{sandbox.AccountInternalError, "999", provider.Unknown},
		{sandbox.AccountDuplicate, "203", provider.Rejected},
		{sandbox.AccountBankCodeMissing, "205", provider.Rejected},
		{sandbox.AccountTxIDNotFound, "204", provider.Rejected},
		{sandbox.AccountUserNotFound, "201", provider.Rejected},
		{sandbox.AccountUserNotActive, "202", provider.Rejected},
	} {
		ptid := "mock-" + tc.account + "-" + string(rune('a'+i))
		_, err := e.client.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: tc.account, Amount: 50000, PartnerTrxID: ptid})
		var oe *provider.Error
		if !errors.As(err, &oe) || oe.Code != tc.code || oe.Outcome != tc.outcome || oe.Message == "" {
			t.Errorf("%s: want %s/%s, got %#v", tc.account, tc.code, tc.outcome, err)
		}
	}
	// 999 stays 999 on remit-status too, as the page's table says.
	_, err := e.client.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: "mock-" + sandbox.AccountInternalError + "-a"})
	if provider.CodeOf(err) != "999" || !provider.IsUnknown(err) {
		t.Errorf("status of 999 mock: %v", err)
	}
	if bal, pending := e.sb.Balance(); bal != 100_000_000 || pending != 0 {
		t.Errorf("mock rejections moved money: %d %d", bal, pending)
	}
}

func TestRemitSettlesWithDocumentedStatusAndCallback(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		account, final string
		callback       bool
		booked         int64 // taken from the balance
	}{
		{"1239812390", "000", true, 125000},
		{sandbox.AccountFailed, "300", true, 0},
		{sandbox.AccountNotFound, "209", true, 0},
		{sandbox.AccountInProgress, "102", false, 0},
		{sandbox.AccountSuspect, "301", false, 0},
	} {
		t.Run(tc.account, func(t *testing.T) {
			before, _ := e.sb.Balance()
			ptid := "settle-" + tc.account
			d, err := e.client.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: tc.account, Amount: 125000,
				PartnerTrxID: ptid, Note: "Split lunch bill", Emails: []string{"a@example.com"}})
			if err != nil || d.Code != "101" || d.TrxID == "" || d.Amount != 125000 {
				t.Fatalf("remit: %v %+v", err, d)
			}
			if tc.callback {
				cb := e.rc.next(t, "/callbacks/oy/disbursement")
				parsed, err := oy.ParseDisbursementCallback(cb.body)
				if err != nil || parsed.Code != tc.final || parsed.PartnerTrxID != ptid || parsed.TrxID != d.TrxID ||
					parsed.Amount != 125000 || parsed.RecipientName == "" {
					t.Fatalf("callback %v %+v", err, parsed)
				}
			} else {
				waitFor(t, func() bool { c, _ := e.sb.DisbursementCode(ptid); return c == tc.final })
				e.rc.none(t, "/callbacks/oy/disbursement", 50*time.Millisecond)
			}
			st, err := e.client.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: ptid})
			if err != nil || st.Code != tc.final || st.Final() != oy.IsFinal(tc.final) || st.TrxID != d.TrxID {
				t.Fatalf("status %v %+v", err, st)
			}
			after, _ := e.sb.Balance()
			if before-after != tc.booked {
				t.Errorf("balance moved by %d, want %d", before-after, tc.booked)
			}
			b, err := e.client.Balance(ctx)
			if err != nil || b.Balance != after {
				t.Errorf("client balance %v %+v", err, b)
			}
		})
	}
	// Non-final remits keep their amount in pendingBalance.
	b, _ := e.client.Balance(ctx)
	if b.Pending != 250000 || b.Available != b.Balance-250000 {
		t.Errorf("pending %+v", b)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRemitStatusSendCallbackResends(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.client.Remit(ctx, &oy.RemitParams{RecipientBank: "002", RecipientAccount: "123", Amount: 10000, PartnerTrxID: "resend-1"}); err != nil {
		t.Fatal(err)
	}
	first := e.rc.next(t, "/callbacks/oy/disbursement")
	if _, err := e.client.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: "resend-1", SendCallback: true}); err != nil {
		t.Fatal(err)
	}
	second := e.rc.next(t, "/callbacks/oy/disbursement")
	a, _ := oy.ParseDisbursementCallback(first.body)
	b, _ := oy.ParseDisbursementCallback(second.body)
	if a == nil || b == nil || a.DedupKey() != b.DedupKey() {
		t.Errorf("resent callback should dedup to the first: %v %v", a, b)
	}
	if _, err := e.client.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: "never-sent"}); provider.CodeOf(err) != "204" {
		t.Errorf("unknown id: %v", err)
	}
}

func TestRemitDuplicateBalanceAndLimits(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.StartBalance = 200_000; o.MaxAmountPerTx = 150_000 })
	p := &oy.RemitParams{RecipientBank: "014", RecipientAccount: "1239812390", Amount: 100_000, PartnerTrxID: "dup-1"}
	if _, err := e.client.Remit(ctx, p); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.Remit(ctx, p)
	if provider.CodeOf(err) != "203" || !provider.IsRejected(err) {
		t.Errorf("duplicate: %v", err)
	}
	for _, tc := range []struct {
		amount int64
		code   string
	}{{150_001, "215"}, {120_000, "206"}} {
		_, err := e.client.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "1239812390", Amount: tc.amount, PartnerTrxID: "lim-" + tc.code})
		if provider.CodeOf(err) != tc.code || !provider.IsRejected(err) {
			t.Errorf("amount %d: %v", tc.amount, err)
		}
	}
	// The sandbox enforces OY's rules even when a client skips them.
	for body, code := range map[string]string{
		`{"recipient_bank":"014","recipient_account":"123","amount":9999,"partner_trx_id":"x1"}`:    "210",
		`{"recipient_bank":"014","recipient_account":"123","amount":10000.5,"partner_trx_id":"x2"}`: "210",
		`{"recipient_bank":"999","recipient_account":"123","amount":10000,"partner_trx_id":"x3"}`:   "205",
		`{"recipient_bank":"014","recipient_account":"12a","amount":10000,"partner_trx_id":"x4"}`:   "990",
		`{"recipient_bank":"014","recipient_account":"123","amount":10000}`:                         "990",
		`not json`: "990",
	} {
		got := string(e.rawCall(t, "POST", "/api/remit", []byte(body)))
		if !strings.Contains(got, `"code":"`+code+`"`) {
			t.Errorf("%s: want %s, got %s", body, code, got)
		}
	}
}

func TestClientRefusesBadRemitLocally(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := oy.New(oy.Config{BaseURL: srv.URL})
	for _, p := range []*oy.RemitParams{
		{RecipientBank: "014", RecipientAccount: "123", Amount: 5000, PartnerTrxID: "a"},
		{RecipientBank: "014", RecipientAccount: "12-3", Amount: 50000, PartnerTrxID: "a"},
		{RecipientBank: "", RecipientAccount: "123", Amount: 50000, PartnerTrxID: "a"},
		{RecipientBank: "014", RecipientAccount: "123", Amount: 50000, PartnerTrxID: " "},
		{RecipientBank: "014", RecipientAccount: "123", Amount: 50000, PartnerTrxID: "a", Emails: make([]string, 6)},
	} {
		if _, err := c.Remit(ctx, p); !provider.IsRejected(err) {
			t.Errorf("%+v: %v", p, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("invalid remits reached OY %d times", hits.Load())
	}
}

func TestAuthErrors(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		user, key, code string
	}{{"someone-else", testKey, "201"}, {testUser, "wrong", "208"}, {"", "", "201"}} {
		c := oy.New(oy.Config{BaseURL: e.srv.URL + "/sandbox/oy", Username: tc.user, APIKey: tc.key}, oy.WithRetry(fastRetry))
		_, err := c.Balance(ctx)
		if provider.CodeOf(err) != tc.code || !provider.IsRejected(err) {
			t.Errorf("balance %s/%s: %v", tc.user, tc.key, err)
		}
		_, err = c.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "123", Amount: 10000, PartnerTrxID: "auth-" + tc.code})
		if provider.CodeOf(err) != tc.code || !provider.IsRejected(err) {
			t.Errorf("remit %s: %v", tc.code, err)
		}
		if strings.Contains(err.Error(), tc.key) && tc.key != "" {
			t.Errorf("key in error: %v", err)
		}
	}
	if _, pending := e.sb.Balance(); pending != 0 {
		t.Error("unauthenticated remit was recorded")
	}
}

func TestRemitTimeoutOnSlowAccountIsUnknownThenStatusFindsIt(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.SlowAccounts = map[string]time.Duration{"4242424242": time.Second} })
	c := oy.New(oy.Config{BaseURL: e.srv.URL + "/sandbox/oy", Username: testUser, APIKey: testKey, Timeout: 100 * time.Millisecond},
		oy.WithRetry(provider.RetryPolicy{Attempts: 2, Base: time.Millisecond}))
	start := time.Now()
	_, err := c.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "4242424242", Amount: 20000, PartnerTrxID: "slow-1"})
	if !provider.IsUnknown(err) {
		t.Fatalf("want unknown outcome, got %v", err)
	}
	if time.Since(start) > 900*time.Millisecond {
		t.Errorf("client waited %v, past its timeout", time.Since(start))
	}
	// The money may have moved: the status call shows OY has it.
	st, err := e.client.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: "slow-1"})
	if err != nil || st.Amount != 20000 {
		t.Fatalf("status after timeout: %v %+v", err, st)
	}
	// SetSlow(…, 0) makes the account answer at once again.
	e.sb.SetSlow("4242424242", 0)
	if _, err := c.Inquiry(ctx, &oy.InquiryParams{RecipientBank: "014", RecipientAccount: "4242424242"}); err != nil {
		t.Errorf("inquiry after SetSlow 0: %v", err)
	}
	e.sb.SetSlow("4242424242", time.Second)
	if _, err := c.Inquiry(ctx, &oy.InquiryParams{RecipientBank: "014", RecipientAccount: "4242424242"}); !provider.IsUnknown(err) {
		t.Errorf("slow inquiry: %v", err)
	}
}

// A remit whose answer is lost (the proxy swallows it and answers 504) is
// resent with the same partner_trx_id; OY's 203 then leads to the status.
func TestRemitResendAfterLostAnswerReturnsExistingDisbursement(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.SettleDelay = time.Hour })
	target, _ := url.Parse(e.srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var remits atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/api/remit") && remits.Add(1) == 1 {
			rec := httptest.NewRecorder()
			proxy.ServeHTTP(rec, r) // OY processes it…
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusGatewayTimeout) // …but the answer is lost
			_, _ = w.Write([]byte("<html><body>504 Gateway Time-out</body></html>"))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	c := oy.New(oy.Config{BaseURL: front.URL + "/sandbox/oy", Username: testUser, APIKey: testKey}, oy.WithRetry(fastRetry))
	d, err := c.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "1239812390", Amount: 30000, PartnerTrxID: "lost-1"})
	if err != nil || d.Code != "101" || d.PartnerTrxID != "lost-1" || d.TrxID == "" {
		t.Fatalf("got %v %+v", err, d)
	}
	if remits.Load() != 2 {
		t.Errorf("remit sent %d times, want 2", remits.Load())
	}
	if _, pending := e.sb.Balance(); pending != 30000 {
		t.Errorf("pending %d: the disbursement must exist once", pending)
	}
}

func TestRemitAnswerForAnotherDisbursementIsNotTrusted(t *testing.T) {
	for _, body := range []string{
		`{"status":{"code":"101","message":"Request is Processed"},"amount":999999,"partner_trx_id":"p1","trx_id":"x"}`,
		`{"status":{"code":"101","message":"Request is Processed"},"amount":10000,"partner_trx_id":"other","trx_id":"x"}`,
	} {
		c := serveFixture(t, 200, []byte(body))
		if _, err := c.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "123", Amount: 10000, PartnerTrxID: "p1"}); !provider.IsUnknown(err) {
			t.Errorf("%s: %v", body, err)
		}
	}
	c := serveFixture(t, 200, []byte(`{"status":{"code":"000","message":"Success"},"partner_trx_id":"other"}`))
	if _, err := c.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: "p1"}); !provider.IsUnknown(err) {
		t.Errorf("status for another id: %v", err)
	}
}

// A resend meeting 203 whose existing record differs (another transfer
// already owns the id) is a rejection, not our disbursement.
func TestRemitResendMeetingForeignDuplicateIsRejected(t *testing.T) {
	var remits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/remit":
			if remits.Add(1) == 1 {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			_, _ = w.Write([]byte(`{"status":{"code":"203","message":"Duplicate Partner Tx Id"}}`))
		case "/api/remit-status":
			_, _ = w.Write([]byte(`{"status":{"code":"000","message":"Success"},"amount":500000,"recipient_bank":"014","recipient_account":"999","partner_trx_id":"p1","trx_id":"t"}`))
		}
	}))
	defer srv.Close()
	c := oy.New(oy.Config{BaseURL: srv.URL}, oy.WithRetry(fastRetry))
	_, err := c.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "123", Amount: 10000, PartnerTrxID: "p1"})
	if provider.CodeOf(err) != "203" || !provider.IsRejected(err) {
		t.Errorf("got %v", err)
	}
}
