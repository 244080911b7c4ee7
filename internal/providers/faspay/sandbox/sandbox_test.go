package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/internal/providers/faspay"
	"backoffice/internal/providers/faspay/sandbox"
	"backoffice/internal/providers/provider"
)

const (
	merchantID = "99999"
	userID     = "bot99999"
	password   = "p@ssw0rd"
	docsPhone  = "081382826301"
	prefix     = "/sandbox/faspay"
)

// receiver records the callbacks the sandbox sends.
type receiver struct {
	mu            sync.Mutex
	activations   []url.Values
	notifications [][]byte
	contentTypes  []string
	failFirst     int // answer 500 to this many requests first
	arrived       chan struct{}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	if rc.failFirst > 0 {
		rc.failFirst--
		rc.mu.Unlock()
		http.Error(w, "busy", http.StatusInternalServerError)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/callbacks/faspay/ovo-linkage":
		rc.activations = append(rc.activations, r.URL.Query())
	case r.Method == http.MethodPost && r.URL.Path == "/callbacks/faspay/payment-notification":
		rc.notifications = append(rc.notifications, body)
		rc.contentTypes = append(rc.contentTypes, r.Header.Get("Content-Type"))
	default:
		rc.mu.Unlock()
		http.Error(w, "unexpected", http.StatusNotFound)
		return
	}
	rc.mu.Unlock()
	rc.arrived <- struct{}{}
	if r.Method == http.MethodPost {
		// Faspay counts only its documented reply as received.
		if n, err := faspay.ParsePaymentNotification(r.Header.Get("Content-Type"), body); err == nil {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(faspay.NewNotificationReply(n, time.Now()).JSON())
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (rc *receiver) wait(t *testing.T) {
	t.Helper()
	select {
	case <-rc.arrived:
	case <-time.After(3 * time.Second):
		t.Fatal("no callback arrived")
	}
}

func (rc *receiver) lastNotification(t *testing.T) *faspay.PaymentNotification {
	t.Helper()
	rc.mu.Lock()
	body, ct := rc.notifications[len(rc.notifications)-1], rc.contentTypes[len(rc.contentTypes)-1]
	rc.mu.Unlock()
	if ct != "application/json" {
		t.Errorf("notification content type %q", ct)
	}
	n, err := faspay.ParsePaymentNotification(ct, body)
	if err != nil {
		t.Fatalf("parse notification: %v\n%s", err, body)
	}
	if err := faspay.VerifyPaymentNotification(n, userID, password); err != nil {
		t.Fatalf("verify notification: %v", err)
	}
	return n
}

type env struct {
	sb      *sandbox.Sandbox
	srv     *httptest.Server
	rc      *receiver
	client  *faspay.Client
	browser *http.Client
	base    string // sandbox root as the app mounts it
}

func newEnv(t *testing.T, mutate func(*sandbox.Options)) *env {
	t.Helper()
	rc := &receiver{arrived: make(chan struct{}, 16)}
	cb := httptest.NewServer(rc)
	t.Cleanup(cb.Close)
	var sb *sandbox.Sandbox
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", http.StripPrefix(prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sb.ServeHTTP(w, r) })))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	opts := sandbox.Options{
		MerchantID: merchantID, MerchantName: "FASPAY STORE", UserID: userID, Password: password,
		PublicURL:              srv.URL + prefix,
		ActivationCallbackURL:  cb.URL + "/callbacks/faspay/ovo-linkage?token=cb-secret",
		PaymentNotificationURL: cb.URL + "/callbacks/faspay/payment-notification?token=cb-secret",
		SettleDelay:            5 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&opts)
	}
	sb = sandbox.New(opts)
	t.Cleanup(sb.Close)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	client := faspay.New(faspay.Config{BaseURL: srv.URL + prefix, MerchantID: merchantID, MerchantName: "FASPAY STORE",
		UserID: userID, Password: password, Timeout: 2 * time.Second},
		faspay.WithRetry(provider.RetryPolicy{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond}))
	return &env{sb: sb, srv: srv, rc: rc, client: client, browser: browser, base: srv.URL + prefix}
}

var sessionRe = regexp.MustCompile(`name="session" value="([0-9a-f]+)"`)

// submit opens an OVO page and submits its form with the given fields.
func (e *env) submit(t *testing.T, pageURL string, fields url.Values) *http.Response {
	t.Helper()
	resp, err := e.browser.Get(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", pageURL, resp.StatusCode, page)
	}
	m := sessionRe.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no form in page:\n%s", page)
	}
	u, _ := url.Parse(pageURL)
	form := url.Values{"session": {string(m[1])}, "return_url": {u.Query().Get("return_url")}}
	for k, v := range fields {
		form[k] = v
	}
	action := regexp.MustCompile(`action="([^"]+)"`).FindSubmatch(page)
	target, _ := u.Parse(string(action[1]))
	resp, err = e.browser.PostForm(target.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b)
}

// link runs activation through the OVO page.
func (e *env) link(t *testing.T, phone string) {
	t.Helper()
	act, err := e.client.Activate(context.Background(), &faspay.ActivationParams{PhoneNo: phone, CustName: "Andrea Hinata"})
	if err != nil {
		t.Fatal(err)
	}
	resp := e.submit(t, act.RedirectURL, url.Values{"otp": {sandbox.OTP}, "pin": {sandbox.PIN}, "action": {"confirm"}})
	if b := body(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(b, "linked") {
		t.Fatalf("activation page: %d %s", resp.StatusCode, b)
	}
	e.rc.wait(t)
}

func (e *env) pay(t *testing.T, phone, billNo string, amount int64, payType faspay.PayType) (*faspay.Payment, error) {
	t.Helper()
	return e.client.Pay(context.Background(), &faspay.PaymentParams{BillNo: billNo, BillDesc: "Order " + billNo, BillTotal: amount,
		PhoneNo: phone, CustName: "Andrea Hinata", Email: "andrea@example.com", PayType: payType})
}

func (e *env) confirm(t *testing.T, p *faspay.Payment, pin string) string {
	t.Helper()
	return body(t, e.submit(t, p.RedirectURL, url.Values{"pin": {pin}, "action": {"confirm"}}))
}

func TestFullFlow(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	phone := "081200001111"

	if _, err := e.client.Balance(ctx, &faspay.BalanceParams{PhoneNo: phone}); !provider.IsRejected(err) || !strings.Contains(err.Error(), "not linked") {
		t.Fatalf("balance before linking: %v", err)
	}

	act, err := e.client.Activate(ctx, &faspay.ActivationParams{PhoneNo: phone, CustName: "Budi"})
	if err != nil {
		t.Fatal(err)
	}
	if act.Status != "ALLOWED" || !strings.HasPrefix(act.RedirectURL, e.base+"/ovo/activation?session=") {
		t.Fatalf("activation = %+v", act)
	}
	returnTo := "http://merchant.example/ovo-accounts/7"
	page := act.RedirectURL + "&return_url=" + url.QueryEscape(returnTo)
	for _, bad := range []url.Values{{"otp": {"000000"}, "pin": {sandbox.PIN}}, {"otp": {sandbox.OTP}, "pin": {"111111"}}} {
		resp := e.submit(t, page, bad)
		if b := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, "Wrong") {
			t.Fatalf("wrong OTP/PIN accepted: %d %s", resp.StatusCode, b)
		}
	}
	resp := e.submit(t, page, url.Values{"otp": {sandbox.OTP}, "pin": {sandbox.PIN}, "action": {"confirm"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != returnTo {
		t.Fatalf("after linking: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	e.rc.wait(t)
	e.rc.mu.Lock()
	q := e.rc.activations[0]
	e.rc.mu.Unlock()
	if q.Get("token") != "cb-secret" {
		t.Errorf("dashboard token lost: %v", q)
	}
	cbk, err := faspay.ParseActivationCallback(q)
	if err != nil || !cbk.Success() || cbk.PhoneNumber != phone {
		t.Fatalf("activation callback %+v %v", cbk, err)
	}
	// The session is single use.
	if resp, _ := e.browser.Get(act.RedirectURL); resp.StatusCode != http.StatusNotFound {
		t.Errorf("used activation page answered %d", resp.StatusCode)
	}

	bal, err := e.client.Balance(ctx, &faspay.BalanceParams{PhoneNo: phone})
	if err != nil || bal.Cash != sandbox.InitialCash || bal.Points != sandbox.InitialPoints {
		t.Fatalf("balance = %+v %v", bal, err)
	}

	p, err := e.pay(t, phone, "1001", 150000, faspay.PayCash)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != "PENDING" || p.Amount != 150000 || p.BillNo != "1001" || len(p.TrxID) != 16 || p.PaymentDay.IsZero() {
		t.Fatalf("payment = %+v", p)
	}
	if b := body(t, e.submit(t, p.RedirectURL, url.Values{"pin": {"999999"}})); !strings.Contains(b, "Wrong PIN") {
		t.Fatalf("wrong PIN: %s", b)
	}
	if b := e.confirm(t, p, sandbox.PIN); !strings.Contains(b, "Payment successful") {
		t.Fatalf("confirm: %s", b)
	}
	e.rc.wait(t)
	n := e.rc.lastNotification(t)
	if n.StatusCode != faspay.StatusSuccess || n.TrxID != p.TrxID || n.BillNo != "1001" || n.BillTotal != 150000 ||
		n.PaymentTotal != 150000 || n.MerchantID != merchantID || n.Merchant != "FASPAY STORE" || n.PaymentReff == "" || n.PaymentDate.IsZero() {
		t.Errorf("notification = %+v", n)
	}

	bal, _ = e.client.Balance(ctx, &faspay.BalanceParams{PhoneNo: phone})
	if bal.Cash != sandbox.InitialCash-150000 || bal.Points != sandbox.InitialPoints {
		t.Errorf("balance after payment = %+v", bal)
	}
	today := time.Now()
	hist, err := e.client.History(ctx, &faspay.HistoryParams{PhoneNo: phone, StartDate: today, EndDate: today, Page: 1, Limit: 10})
	if err != nil || len(hist.Transactions) != 1 {
		t.Fatalf("history = %+v %v", hist, err)
	}
	if tx := hist.Transactions[0]; tx.TrxID != p.TrxID || tx.Amount != 150000 || tx.Status != "SUCCESS" ||
		!slices.Equal(tx.Details, []faspay.AmountDetail{{Type: "CASH", Amount: 150000}}) {
		t.Errorf("history entry = %+v", tx)
	}

	top, err := e.client.TopUpInstruction(ctx, &faspay.TopUpInstructionParams{PhoneNo: phone})
	if err != nil || len(top.Options) != 5 || top.Options[0].Option != "ATM" || top.Merchant != "FASPAY STORE" {
		t.Fatalf("top-up = %+v %v", top, err)
	}

	if _, err := e.client.Unlink(ctx, &faspay.UnlinkParams{PhoneNo: phone}); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"balance": func() error { _, err := e.client.Balance(ctx, &faspay.BalanceParams{PhoneNo: phone}); return err },
		"unlink":  func() error { _, err := e.client.Unlink(ctx, &faspay.UnlinkParams{PhoneNo: phone}); return err },
		"payment": func() error { _, err := e.pay(t, phone, "1002", 1000, faspay.PayCash); return err },
		"history": func() error {
			_, err := e.client.History(ctx, &faspay.HistoryParams{PhoneNo: phone, StartDate: today, EndDate: today})
			return err
		},
		"topup": func() error {
			_, err := e.client.TopUpInstruction(ctx, &faspay.TopUpInstructionParams{PhoneNo: phone})
			return err
		},
	} {
		var fe *provider.Error
		if err := call(); !errors.As(err, &fe) || fe.Code != "01" || fe.ProviderMessage != "Account is not linked" || fe.Outcome != provider.Rejected {
			t.Errorf("%s after unlink: %v", name, err)
		}
	}
	// Linking again keeps the wallet.
	e.link(t, phone)
	if bal, _ := e.client.Balance(ctx, &faspay.BalanceParams{PhoneNo: phone}); bal.Cash != sandbox.InitialCash-150000 {
		t.Errorf("balance after relinking = %+v", bal)
	}
}

func TestPaymentTriggers(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.PreLinked = []string{docsPhone} })
	ctx := context.Background()
	cases := []struct {
		name    string
		amount  int64
		payType faspay.PayType
		action  string // confirm, cancel, none
		status  faspay.PaymentStatus
		desc    string
		cash    int64 // change of cash
		points  int64
		details []faspay.AmountDetail
	}{
		{"failed trigger", sandbox.AmountFailed, faspay.PayCash, "confirm", faspay.StatusFailed, "Payment Failed", 0, 0, nil},
		{"expired trigger", sandbox.AmountExpired, faspay.PayCash, "none", faspay.StatusExpired, "Payment Expired", 0, 0, nil},
		{"insufficient cash", sandbox.InitialCash + 1, faspay.PayCash, "confirm", faspay.StatusFailed, "Insufficient balance", 0, 0, nil},
		{"insufficient points", sandbox.InitialPoints + 1, faspay.PayPoints, "confirm", faspay.StatusFailed, "Insufficient balance", 0, 0, nil},
		{"cancelled", 5000, faspay.PayCash, "cancel", faspay.StatusCancelled, "Payment Cancelled", 0, 0, nil},
		{"points only", 2000, faspay.PayPoints, "confirm", faspay.StatusSuccess, "Payment Success", 0, -2000,
			[]faspay.AmountDetail{{Type: "POINTS", Amount: 2000}}},
		{"points first, then cash", sandbox.InitialPoints - 2000 + 500, faspay.PayCashPointsFirst, "confirm", faspay.StatusSuccess, "Payment Success",
			-500, -(sandbox.InitialPoints - 2000), []faspay.AmountDetail{{Type: "POINTS", Amount: sandbox.InitialPoints - 2000}, {Type: "CASH", Amount: 500}}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.client.Balance(ctx, &faspay.BalanceParams{PhoneNo: docsPhone})
			billNo := "20" + string(rune('0'+i))
			p, err := e.pay(t, docsPhone, billNo, tc.amount, tc.payType)
			if err != nil {
				t.Fatal(err)
			}
			switch tc.action {
			case "confirm":
				e.confirm(t, p, sandbox.PIN)
			case "cancel":
				body(t, e.submit(t, p.RedirectURL, url.Values{"action": {"cancel"}}))
			}
			e.rc.wait(t)
			n := e.rc.lastNotification(t)
			if n.StatusCode != tc.status || n.StatusDesc != tc.desc || n.BillNo != billNo || n.TrxID != p.TrxID {
				t.Errorf("notification = %+v", n)
			}
			if (n.PaymentTotal == tc.amount) != (tc.status == faspay.StatusSuccess) {
				t.Errorf("payment_total %d for status %s", n.PaymentTotal, n.StatusCode)
			}
			after, _ := e.client.Balance(ctx, &faspay.BalanceParams{PhoneNo: docsPhone})
			if after.Cash-before.Cash != tc.cash || after.Points-before.Points != tc.points {
				t.Errorf("balance moved cash %d points %d", after.Cash-before.Cash, after.Points-before.Points)
			}
			if tc.details != nil {
				hist, err := e.client.History(ctx, &faspay.HistoryParams{PhoneNo: docsPhone, StartDate: time.Now(), EndDate: time.Now(), Limit: 1})
				if err != nil || len(hist.Transactions) != 1 || hist.Transactions[0].TrxID != p.TrxID || !slices.Equal(hist.Transactions[0].Details, tc.details) {
					t.Errorf("newest history = %+v %v", hist, err)
				}
			}
			// A processed payment page cannot be used again.
			if resp, _ := e.browser.Get(p.RedirectURL); resp.StatusCode != http.StatusNotFound && tc.action != "none" {
				t.Errorf("used payment page answered %d", resp.StatusCode)
			}
		})
	}
	if _, err := e.pay(t, docsPhone, "200", 1000, faspay.PayCash); !provider.IsRejected(err) || !strings.Contains(err.Error(), "already used") {
		t.Errorf("duplicate bill_no: %v", err)
	}
}

func TestTokenExpiredAndRegenerate(t *testing.T) {
	e := newEnv(t, nil)
	phone := "0812345" + sandbox.SuffixTokenExpired
	e.link(t, phone)
	_, err := e.pay(t, phone, "31", 1000, faspay.PayCash)
	link, ok := faspay.TokenExpired(err)
	if !ok || !errors.Is(err, faspay.ErrPaymentTokenExpired) || !strings.HasPrefix(link, e.base+"/ovo/regenerate?session=") {
		t.Fatalf("err = %v, link %q", err, link)
	}
	if b := body(t, e.submit(t, link, url.Values{"pin": {"000000"}})); !strings.Contains(b, "Wrong PIN") {
		t.Fatalf("regenerate with wrong PIN: %s", b)
	}
	if b := body(t, e.submit(t, link, url.Values{"pin": {sandbox.PIN}, "action": {"confirm"}})); !strings.Contains(b, "renewed") {
		t.Fatalf("regenerate: %s", b)
	}
	p, err := e.pay(t, phone, "31", 1000, faspay.PayCash) // the same bill number is free: nothing was recorded
	if err != nil || p.Status != "PENDING" {
		t.Fatalf("after renewal: %+v %v", p, err)
	}

	// The simulate endpoint expires any linked phone's token.
	resp, err := http.PostForm(e.base+"/simulate/expire-token", url.Values{"phone_no": {phone}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("simulate: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := e.pay(t, phone, "32", 1000, faspay.PayCash); !errors.Is(err, faspay.ErrPaymentTokenExpired) {
		t.Errorf("after simulate: %v", err)
	}
	resp, _ = http.PostForm(e.base+"/simulate/expire-token", url.Values{"phone_no": {"081299999999"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("expire unknown phone: %d", resp.StatusCode)
	}
}

func TestActivationTriggers(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	_, err := e.client.Activate(ctx, &faspay.ActivationParams{PhoneNo: "08123456" + sandbox.SuffixNotRegistered, CustName: "X"})
	if !provider.IsRejected(err) || !strings.Contains(err.Error(), "no OVO account") {
		t.Errorf("unregistered phone: %v", err)
	}
	_, err = e.client.Activate(ctx, &faspay.ActivationParams{PhoneNo: "12345", CustName: "X"})
	if !provider.IsRejected(err) {
		t.Errorf("bad phone: %v", err)
	}
	// Cancel sends a failed callback and links nothing.
	act, err := e.client.Activate(ctx, &faspay.ActivationParams{PhoneNo: "081277778888", CustName: "X"})
	if err != nil {
		t.Fatal(err)
	}
	body(t, e.submit(t, act.RedirectURL, url.Values{"action": {"cancel"}}))
	e.rc.wait(t)
	e.rc.mu.Lock()
	q := e.rc.activations[len(e.rc.activations)-1]
	e.rc.mu.Unlock()
	if a, err := faspay.ParseActivationCallback(q); err != nil || a.Success() || a.ResponseCode != "01" {
		t.Errorf("cancel callback = %+v %v", a, err)
	}
	if _, err := e.client.Balance(ctx, &faspay.BalanceParams{PhoneNo: "081277778888"}); !provider.IsRejected(err) {
		t.Errorf("cancelled phone is linked: %v", err)
	}
}

func TestCredentialChecks(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.PreLinked = []string{docsPhone} })
	ctx := context.Background()
	cases := []struct {
		name string
		cfg  faspay.Config
		want string
	}{
		{"wrong password", faspay.Config{MerchantID: merchantID, UserID: userID, Password: "nope"}, "Invalid signature"},
		{"wrong user", faspay.Config{MerchantID: merchantID, UserID: "bot11111", Password: password}, "Invalid signature"},
		{"wrong merchant", faspay.Config{MerchantID: "11111", UserID: userID, Password: password}, "Invalid merchant_id"},
		{"wrong channel", faspay.Config{MerchantID: merchantID, UserID: userID, Password: password, PaymentChannel: "812"}, "Invalid payment channel"},
	}
	for _, tc := range cases {
		tc.cfg.BaseURL = e.base
		_, err := faspay.New(tc.cfg).Balance(ctx, &faspay.BalanceParams{PhoneNo: docsPhone})
		var fe *provider.Error
		if !errors.As(err, &fe) || fe.ProviderMessage != tc.want || fe.Outcome != provider.Rejected {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Malformed JSON.
	resp, err := http.Post(e.base+faspay.Paths.Balance, "application/json", strings.NewReader(`{"merchant_id":`))
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || env["response_code"] != "01" {
		t.Errorf("malformed: %d %v", resp.StatusCode, env)
	}
	// Wrong method.
	resp, _ = http.Get(e.base + faspay.Paths.Balance)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET answered %d", resp.StatusCode)
	}
}

func TestHistoryPaging(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.PreLinked = []string{docsPhone} })
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		p, err := e.pay(t, docsPhone, "4"+string(rune('0'+i)), int64(1000+i), faspay.PayCash)
		if err != nil {
			t.Fatal(err)
		}
		e.confirm(t, p, sandbox.PIN)
		e.rc.wait(t)
		ids = append([]string{p.TrxID}, ids...) // newest first
	}
	var got []string
	for page := 1; page <= 3; page++ {
		h, err := e.client.History(ctx, &faspay.HistoryParams{PhoneNo: docsPhone, StartDate: time.Now(), EndDate: time.Now(), Page: page, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range h.Transactions {
			got = append(got, tx.TrxID)
		}
	}
	if !slices.Equal(got, ids) {
		t.Errorf("pages = %v, want %v", got, ids)
	}
	h, err := e.client.History(ctx, &faspay.HistoryParams{PhoneNo: docsPhone, StartDate: time.Now(), EndDate: time.Now(), Page: 4, Limit: 2})
	if err != nil || len(h.Transactions) != 0 {
		t.Errorf("page past the end: %+v %v", h, err)
	}
	yesterday := time.Now().AddDate(0, 0, -1)
	if h, err := e.client.History(ctx, &faspay.HistoryParams{PhoneNo: docsPhone, StartDate: yesterday, EndDate: yesterday}); err != nil || len(h.Transactions) != 0 {
		t.Errorf("yesterday: %+v %v", h, err)
	}
	tomorrow := time.Now().AddDate(0, 0, 2)
	if _, err := e.client.History(ctx, &faspay.HistoryParams{PhoneNo: docsPhone, StartDate: time.Now(), EndDate: tomorrow}); !provider.IsRejected(err) {
		t.Errorf("future end date: %v", err)
	}
}

func TestSimulateTopUp(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.PreLinked = []string{docsPhone} })
	resp, err := http.PostForm(e.base+"/simulate/topup", url.Values{"phone_no": {docsPhone}, "amount": {"50000"}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	bal, _ := e.client.Balance(context.Background(), &faspay.BalanceParams{PhoneNo: docsPhone})
	if bal.Cash != sandbox.InitialCash+50000 {
		t.Errorf("cash = %d", bal.Cash)
	}
	resp, _ = http.PostForm(e.base+"/simulate/topup", url.Values{"phone_no": {docsPhone}, "amount": {"10.5"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("fractional top-up answered %d", resp.StatusCode)
	}
}

func TestCallbackRetries(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.PreLinked = []string{docsPhone}; o.RetryDelay = time.Millisecond })
	e.rc.mu.Lock()
	e.rc.failFirst = 2
	e.rc.mu.Unlock()
	p, err := e.pay(t, docsPhone, "51", 1000, faspay.PayCash)
	if err != nil {
		t.Fatal(err)
	}
	e.confirm(t, p, sandbox.PIN)
	e.rc.wait(t)
	if n := e.rc.lastNotification(t); n.TrxID != p.TrxID {
		t.Errorf("notification = %+v", n)
	}
}

func TestCloseStopsPendingCallbacks(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.PreLinked = []string{docsPhone}; o.SettleDelay = time.Hour })
	p, err := e.pay(t, docsPhone, "61", 1000, faspay.PayCash)
	if err != nil {
		t.Fatal(err)
	}
	e.confirm(t, p, sandbox.PIN)
	done := make(chan struct{})
	go func() { e.sb.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not stop the pending callback")
	}
}

// --- documented shapes ---

func docFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		b = append(bytes.TrimSpace(b), '}') // the unlink sample lacks its closing brace
	}
	return b
}

var numbered = regexp.MustCompile(`^(transaction|instruction)_\d+$`)

// shape lists key paths with numbered keys folded to _N, so transaction_1
// and transaction_3 describe the same field.
func shape(t *testing.T, raw []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, child := range m {
			if numbered.MatchString(k) {
				k = k[:strings.LastIndex(k, "_")] + "_N"
			}
			set[prefix+k] = true
			walk(prefix+k+".", child)
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSandboxAnswersDocumentedRequestsInDocumentedShape(t *testing.T) {
	docsNow := time.Date(2021, 11, 11, 11, 27, 34, 0, faspay.Jakarta)
	e := newEnv(t, func(o *sandbox.Options) {
		o.PreLinked = []string{docsPhone}
		o.Now = func() time.Time { return docsNow }
	})
	post := func(path, fixture string) []byte {
		t.Helper()
		resp, err := http.Post(e.base+path, "application/json", bytes.NewReader(docFixture(t, fixture)))
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, resp)
		var env map[string]any
		if err := json.Unmarshal([]byte(b), &env); err != nil {
			t.Fatalf("%s: %v %s", path, err, b)
		}
		return []byte(b)
	}
	same := func(name string, got []byte, docResponse string) {
		t.Helper()
		if g, w := shape(t, got), shape(t, docFixture(t, docResponse)); !slices.Equal(g, w) {
			t.Errorf("%s shape\n got %v\nwant %v\n%s", name, g, w, got)
		}
	}

	same("activation", post(faspay.Paths.Activation, "activation_request.json"), "activation_response.json")

	// 02 first: expire the token, send the documented request, renew.
	resp, _ := http.PostForm(e.base+"/simulate/expire-token", url.Values{"phone_no": {docsPhone}})
	resp.Body.Close()
	expired := post(faspay.Paths.Payment, "payment_token_expired_request.json")
	same("token expired", expired, "payment_token_expired_response.json")
	var exp struct{ URL string }
	_ = json.Unmarshal(expired, &exp)
	body(t, e.submit(t, exp.URL, url.Values{"pin": {sandbox.PIN}}))

	pay := post(faspay.Paths.Payment, "payment_request.json")
	same("payment", pay, "payment_response.json")
	var p struct {
		RedirectURL string `json:"redirectURL"`
		PaymentDay  string `json:"payment_day"`
	}
	_ = json.Unmarshal(pay, &p)
	if p.PaymentDay != "2021-11-11 11:27:34" {
		t.Errorf("payment_day = %q", p.PaymentDay)
	}
	body(t, e.submit(t, p.RedirectURL, url.Values{"pin": {sandbox.PIN}}))
	e.rc.wait(t)

	same("top-up", post(faspay.Paths.TopUpInstruction, "topup_instruction_request.json"), "topup_instruction_response.json")
	same("balance", post(faspay.Paths.Balance, "balance_request.json"), "balance_response.json")
	same("history", post(faspay.Paths.History, "history_request.json"), "history_response.json")
	unlink := post(faspay.Paths.Unlink, "unlink_request.json")
	if g := shape(t, unlink); !slices.Equal(g, []string{"response", "response_code", "response_desc"}) {
		t.Errorf("unlink shape %v", g)
	}

	// Top-up content is the documented static list.
	var top, doc struct {
		TopUpInstruction map[string]map[string]string `json:"topup_instruction"`
	}
	e2 := newEnv(t, func(o *sandbox.Options) { o.PreLinked = []string{docsPhone} })
	resp, _ = http.Post(e2.base+faspay.Paths.TopUpInstruction, "application/json", bytes.NewReader(docFixture(t, "topup_instruction_request.json")))
	_ = json.NewDecoder(resp.Body).Decode(&top)
	resp.Body.Close()
	_ = json.Unmarshal(docFixture(t, "topup_instruction_response.json"), &doc)
	for k, v := range doc.TopUpInstruction {
		if top.TopUpInstruction[k]["url"] != v["url"] || top.TopUpInstruction[k]["option"] != v["option"] || top.TopUpInstruction[k]["icon"] != v["icon"] {
			t.Errorf("%s = %v, docs %v", k, top.TopUpInstruction[k], v)
		}
	}
}

func TestSandboxLogsNoSecrets(t *testing.T) {
	var logs safeBuffer
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // callbacks to it fail with a transport error
	e := newEnv(t, func(o *sandbox.Options) {
		o.PreLinked = []string{docsPhone}
		o.PaymentNotificationURL = deadURL + "/callbacks/faspay/payment-notification?token=cb-secret"
		o.RetryDelay = time.Millisecond
		o.CallbackRetries = 1
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	p, err := e.pay(t, docsPhone, "71", 1000, faspay.PayCash)
	if err != nil {
		t.Fatal(err)
	}
	e.confirm(t, p, sandbox.PIN)
	bad := faspay.New(faspay.Config{BaseURL: e.base, MerchantID: merchantID, UserID: userID, Password: "wrong"})
	_, _ = bad.Balance(context.Background(), &faspay.BalanceParams{PhoneNo: docsPhone})
	deadline := time.Now().Add(3 * time.Second)
	for strings.Count(logs.String(), "callback failed") < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	out := logs.String()
	if !strings.Contains(out, "callback failed") || !strings.Contains(out, "Invalid signature") {
		t.Fatalf("expected log lines missing:\n%s", out)
	}
	for _, secret := range []string{"cb-secret", password, faspay.Signature(userID, password, docsPhone), faspay.Signature(userID, "wrong", docsPhone)} {
		if strings.Contains(out, secret) {
			t.Errorf("log leaks %q:\n%s", secret, out)
		}
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
