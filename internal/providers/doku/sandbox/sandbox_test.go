package sandbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"backoffice/internal/providers/doku"
	"backoffice/internal/providers/doku/sandbox"
	"backoffice/internal/providers/provider"
)

func TestBindPayNotify(t *testing.T) {
	for _, set := range doku.PathSets() {
		t.Run(string(set), func(t *testing.T) {
			e := newEnv(t, set, nil)
			ct := e.link(t, "6285700000001", "cust-001")
			if got := e.cash(t, ct.AccessToken); got != 1_000_000 {
				t.Fatalf("balance = %d", got)
			}
			p := e.pay(t, ct.AccessToken, "INV-0001", 10_000)
			if p.ResponseCode != "2005400" || !strings.HasPrefix(p.WebRedirectURL, e.base+"/ovo/pay/") || p.PartnerReferenceNo != "INV-0001" {
				t.Fatalf("payment = %+v", p)
			}
			// Nothing is debited before the customer confirms.
			if got := e.cash(t, ct.AccessToken); got != 1_000_000 {
				t.Fatalf("balance before PIN = %d", got)
			}
			status, loc := e.submit(t, p.WebRedirectURL, url.Values{"pin": {sandbox.SandboxPIN}, "action": {"confirm"}})
			if status != http.StatusSeeOther || loc != successURL {
				t.Fatalf("PIN page answered %d %q", status, loc)
			}
			n := e.merchant.waitNote(t)
			if n.Status != doku.StatusSuccess || n.Amount != 10_000 || n.OriginalPartnerReferenceNo != "INV-0001" ||
				n.OriginalReferenceNo != p.ReferenceNo || n.OriginalExternalID != p.ExternalID || n.ExternalID == "" ||
				n.AdditionalInfo["custIdMerchant"] != "cust-001" {
				t.Errorf("notification = %+v (payment %+v)", n, p)
			}
			if got := e.cash(t, ct.AccessToken); got != 990_000 {
				t.Errorf("balance after payment = %d", got)
			}
			// The page is finished: a second PIN does not debit twice.
			if status, _ := e.submit(t, p.WebRedirectURL, url.Values{"pin": {sandbox.SandboxPIN}}); status != http.StatusNotFound {
				t.Errorf("second PIN answered %d", status)
			}
			// A resend carries the same X-EXTERNAL-ID, so it dedups.
			resp, err := http.PostForm(e.base+"/simulate/notify", url.Values{"partnerReferenceNo": {"INV-0001"}})
			if err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("simulate notify: %v %v", resp, err)
			}
			resp.Body.Close()
			if again := e.merchant.waitNote(t); again.DedupKey() != n.DedupKey() {
				t.Errorf("resend dedup key %s != %s", again.DedupKey(), n.DedupKey())
			}
		})
	}
}

func TestDocumentedShapes(t *testing.T) {
	e := newEnv(t, doku.PathSetCurrent, nil)
	ct := e.link(t, "6285700000001", "cust-001")
	e.cash(t, ct.AccessToken)
	p := e.pay(t, ct.AccessToken, "INV-0001", 10_000)
	e.submit(t, p.WebRedirectURL, url.Values{"pin": {sandbox.SandboxPIN}})
	e.merchant.waitNote(t)
	body := <-e.merchant.raw
	if _, err := e.client.Unbind(context.Background(), &doku.UnbindParams{CustomerToken: ct.AccessToken}); err != nil {
		t.Fatal(err)
	}
	want := map[doku.Endpoint]string{
		doku.EndpointTokenB2B: "token-b2b-response.json", doku.EndpointTokenB2B2C: "token-b2b2c-response.json",
		doku.EndpointBinding: "binding-response.json", doku.EndpointBalance: "balance-response.json",
		doku.EndpointPayment: "payment-response.json", doku.EndpointUnbinding: "unbinding-response.json",
	}
	for ep, file := range want {
		got, ok := e.rec.answers[doku.Path(doku.PathSetCurrent, ep)]
		if !ok {
			t.Fatalf("%s: no answer recorded", ep)
		}
		if w, g := keyPaths(t, fixture(t, file)), keyPaths(t, got); w != g {
			t.Errorf("%s answer keys:\n want %s\n got  %s", ep, w, g)
		}
	}
	if w, g := keyPaths(t, fixture(t, "notify-request.json")), keyPaths(t, body); w != g {
		t.Errorf("notification keys:\n want %s\n got  %s", w, g)
	}
}

func TestBindingTriggers(t *testing.T) {
	e := newEnv(t, doku.PathSetCurrent, nil)
	ctx := context.Background()
	bind := func(phone, cust string) (*doku.Binding, error) {
		return e.client.BindAccount(ctx, &doku.BindParams{PhoneNo: phone, CustIDMerchant: cust, SuccessRegistrationURL: successURL, FailedRegistrationURL: failureURL})
	}
	for _, tc := range []struct{ phone, code string }{
		{"6285700000404", "4040711"}, // not an OVO account
		{"12345", "4000701"},         // bad phone format
		{"628abc0000001", "4000701"},
	} {
		_, err := bind(tc.phone, "cust-x")
		if provider.CodeOf(err) != tc.code || !provider.IsRejected(err) {
			t.Errorf("%s: err = %v, want %s rejected", tc.phone, err, tc.code)
		}
	}

	// Cancel goes to failedRegistrationUrl.
	b, err := bind("6285700000002", "cust-002")
	if err != nil {
		t.Fatal(err)
	}
	if status, loc := e.submit(t, b.RedirectURL, url.Values{"action": {"cancel"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, failureURL) {
		t.Errorf("cancel: %d %s", status, loc)
	}
	// Three wrong OTPs fail the binding; one wrong OTP may be corrected.
	b, _ = bind("6285700000003", "cust-003")
	for i := range 3 {
		status, loc := e.submit(t, b.RedirectURL, url.Values{"otp": {"000000"}, "pin": {sandbox.SandboxPIN}})
		if i < 2 && status != http.StatusUnprocessableEntity || i == 2 && (status != http.StatusSeeOther || !strings.HasPrefix(loc, failureURL)) {
			t.Errorf("wrong OTP %d: %d %s", i, status, loc)
		}
	}
	b, _ = bind("6285700000003", "cust-003")
	e.submit(t, b.RedirectURL, url.Values{"otp": {"111111"}, "pin": {sandbox.SandboxPIN}})
	_, loc := e.submit(t, b.RedirectURL, url.Values{"otp": {sandbox.SandboxOTP}, "pin": {sandbox.SandboxPIN}})
	u, _ := url.Parse(loc)
	code := u.Query().Get("authCode")
	if code == "" {
		t.Fatalf("no authCode in %s", loc)
	}
	if _, err := e.client.AccessTokenB2B2C(ctx, &doku.CustomerTokenParams{AuthCode: code}); err != nil {
		t.Fatal(err)
	}
	// An authCode works once.
	if _, err := e.client.AccessTokenB2B2C(ctx, &doku.CustomerTokenParams{AuthCode: code}); provider.CodeOf(err) != "4017400" {
		t.Errorf("reused authCode: err = %v", err)
	}
	// One OVO account, one customer of the merchant.
	if _, err := bind("6285700000003", "someone-else"); provider.CodeOf(err) != "4090700" || !provider.IsRejected(err) {
		t.Errorf("second customer: err = %v", err)
	}
	// 08… is the same account as 628….
	if _, err := bind("085700000003", "someone-else"); provider.CodeOf(err) != "4090700" {
		t.Errorf("08 form: err = %v", err)
	}
}

func TestPaymentTriggers(t *testing.T) {
	e := newEnv(t, doku.PathSetCurrent, nil)
	ctx := context.Background()
	ct := e.link(t, "6285700000001", "cust-001")
	poor := e.link(t, "6285700000005", "cust-005")
	if got := e.cash(t, poor.AccessToken); got != 5_000 {
		t.Fatalf("0005 balance = %d", got)
	}
	payErr := func(token, ref string, amount int64) error {
		_, err := e.client.Pay(ctx, &doku.PaymentParams{CustomerToken: token, PartnerReferenceNo: ref, Amount: amount})
		return err
	}
	if err := payErr(poor.AccessToken, "P-1", 10_000); provider.CodeOf(err) != "4035414" || !provider.IsRejected(err) {
		t.Errorf("insufficient: %v", err)
	}
	if err := payErr(ct.AccessToken, "P-2", 10_000_001); provider.CodeOf(err) != "4035402" || !provider.IsRejected(err) {
		t.Errorf("limit: %v", err)
	}
	e.pay(t, ct.AccessToken, "P-3", 1_000)
	if err := payErr(ct.AccessToken, "P-3", 1_000); provider.CodeOf(err) != "4095401" || !provider.IsUnknown(err) {
		t.Errorf("duplicate: %v", err)
	}

	cases := []struct {
		name   string
		amount int64
		form   url.Values
		tries  int
		status doku.TransactionStatus
		before func()
	}{
		{"decline PIN", 2_000, url.Values{"pin": {sandbox.DeclinePIN}}, 1, doku.StatusFailed, nil},
		{"failing amount", sandbox.FailingAmount, url.Values{"pin": {sandbox.SandboxPIN}}, 1, doku.StatusFailed, nil},
		{"cancel", 2_000, url.Values{"action": {"cancel"}}, 1, doku.StatusCancelled, nil},
		{"wrong PIN thrice", 2_000, url.Values{"pin": {"999999"}}, 3, doku.StatusFailed, nil},
		{"balance fell short", 50_000, url.Values{"pin": {sandbox.SandboxPIN}}, 1, doku.StatusFailed, func() {
			resp, err := http.PostForm(e.base+"/simulate/balance", url.Values{"phoneNo": {"6285700000001"}, "value": {"100"}})
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("simulate balance: %v %v", resp, err)
			}
			resp.Body.Close()
		}},
	}
	for i, tc := range cases {
		before := e.cash(t, ct.AccessToken)
		p := e.pay(t, ct.AccessToken, "F-"+string(rune('a'+i)), tc.amount)
		if tc.before != nil {
			tc.before()
			before = e.cash(t, ct.AccessToken)
		}
		var status int
		var loc string
		for range tc.tries {
			status, loc = e.submit(t, p.WebRedirectURL, tc.form)
		}
		if status != http.StatusSeeOther || loc != failureURL {
			t.Errorf("%s: page answered %d %q", tc.name, status, loc)
		}
		n := e.merchant.waitNote(t)
		if n.Status != tc.status || n.OriginalPartnerReferenceNo != p.PartnerReferenceNo || n.Amount != tc.amount {
			t.Errorf("%s: notification %+v", tc.name, n)
		}
		if after := e.cash(t, ct.AccessToken); after != before {
			t.Errorf("%s: balance moved %d → %d", tc.name, before, after)
		}
	}
}

func TestChecksLikeDoku(t *testing.T) {
	e := newEnv(t, doku.PathSetCurrent, nil)
	ctx := context.Background()
	ct := e.link(t, "6285700000001", "cust-001")
	mk, dk := keys(t)

	// Token request signed with the wrong key: 4017300.
	other := e.newClient(doku.PathSetCurrent, secret, dk)
	if _, err := other.AccessTokenB2B(ctx); provider.CodeOf(err) != "4017300" || !provider.IsRejected(err) {
		t.Errorf("wrong key: %v", err)
	}
	// Wrong client secret: the HMAC fails, 4011100.
	wrongSecret := e.newClient(doku.PathSetCurrent, "not-the-secret", mk)
	if _, err := wrongSecret.BalanceInquiry(ctx, &doku.BalanceParams{CustomerToken: ct.AccessToken}); provider.CodeOf(err) != "4011100" || !provider.IsRejected(err) {
		t.Errorf("wrong secret: %v", err)
	}
	// Unknown customer token: 4011102.
	if _, err := e.client.BalanceInquiry(ctx, &doku.BalanceParams{CustomerToken: "forged"}); provider.CodeOf(err) != "4011102" {
		t.Errorf("forged customer token: %v", err)
	}
	// A repeated X-EXTERNAL-ID on the same day: 409.
	fixed := e.newClient(doku.PathSetCurrent, secret, mk, doku.WithExternalIDs(func() string { return "123123123" }))
	if _, err := fixed.BalanceInquiry(ctx, &doku.BalanceParams{CustomerToken: ct.AccessToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := fixed.BalanceInquiry(ctx, &doku.BalanceParams{CustomerToken: ct.AccessToken}); provider.CodeOf(err) != "4091100" {
		t.Errorf("repeated X-EXTERNAL-ID: %v", err)
	}

	// Raw requests: no or forged B2B token, missing headers.
	path := doku.Path(doku.PathSetCurrent, doku.EndpointBalance)
	raw := func(h map[string]string) string {
		req, _ := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader(`{}`))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := raw(nil); !strings.Contains(got, `"4011103"`) {
		t.Errorf("no token: %s", got)
	}
	if got := raw(map[string]string{"Authorization": "Bearer forged"}); !strings.Contains(got, `"4011101"`) {
		t.Errorf("forged token: %s", got)
	}
	tok, err := e.client.AccessTokenB2B(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := raw(map[string]string{"Authorization": "Bearer " + tok.Token}); !strings.Contains(got, `"4001102"`) {
		t.Errorf("missing headers: %s", got)
	}
	// Stale timestamp on a token request.
	old := doku.FormatTimestamp(time.Now().Add(-time.Hour))
	sig, _ := doku.SignToken(mk, clientID, old)
	req, _ := http.NewRequest(http.MethodPost, e.base+"/authorization/v1/access-token/b2b", strings.NewReader(`{"grantType":"client_credentials"}`))
	req.Header.Set("X-CLIENT-KEY", clientID)
	req.Header.Set("X-TIMESTAMP", old)
	req.Header.Set("X-SIGNATURE", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(b), `"4017300"`) {
		t.Errorf("stale token request: %d %s", resp.StatusCode, b)
	}
}

func TestUnbinding(t *testing.T) {
	e := newEnv(t, doku.PathSetArchived, nil)
	ctx := context.Background()
	ct := e.link(t, "6285700000001", "cust-001")
	u, err := e.client.Unbind(ctx, &doku.UnbindParams{CustomerToken: ct.AccessToken})
	if err != nil || u.ResponseCode != "2000900" {
		t.Fatalf("unbind: %+v %v", u, err)
	}
	if _, err := e.client.BalanceInquiry(ctx, &doku.BalanceParams{CustomerToken: ct.AccessToken}); provider.CodeOf(err) != "4011102" {
		t.Errorf("balance after unbinding: %v", err)
	}
	if _, err := e.client.Unbind(ctx, &doku.UnbindParams{CustomerToken: ct.AccessToken}); provider.CodeOf(err) != "4010902" {
		t.Errorf("second unbind: %v", err)
	}
	// The account is free for another customer now.
	e.link(t, "6285700000001", "cust-new")
}

func TestNotificationRetriedAndRSA(t *testing.T) {
	_, dk := keys(t)
	e := newEnv(t, doku.PathSetCurrent, func(o *sandbox.Options) { o.NotificationSignature = "rsa" })
	e.merchant.verifier = doku.RSAVerifier{PublicKey: &dk.PublicKey}
	e.merchant.failNext = 1
	ct := e.link(t, "6285700000001", "cust-001")
	p := e.pay(t, ct.AccessToken, "INV-R", 1_500)
	e.submit(t, p.WebRedirectURL, url.Values{"pin": {sandbox.SandboxPIN}})
	n := e.merchant.waitNote(t)
	if n.Status != doku.StatusSuccess || n.Amount != 1_500 {
		t.Errorf("notification %+v", n)
	}
	e.merchant.noNote(t, 50*time.Millisecond) // acknowledged: no more attempts
}

func TestNotificationRefusedByWrongSecret(t *testing.T) {
	e := newEnv(t, doku.PathSetCurrent, nil)
	e.merchant.verifier = doku.HMACVerifier{Secret: "other"}
	ct := e.link(t, "6285700000001", "cust-001")
	p := e.pay(t, ct.AccessToken, "INV-S", 1_500)
	e.submit(t, p.WebRedirectURL, url.Values{"pin": {sandbox.SandboxPIN}})
	e.merchant.noNote(t, 150*time.Millisecond)
	e.merchant.mu.Lock()
	defer e.merchant.mu.Unlock()
	if len(e.merchant.refusals) != 3 || !strings.Contains(e.merchant.refusals[0], doku.ErrBadSignature.Error()) {
		t.Errorf("refusals = %v, want 3 bad-signature attempts", e.merchant.refusals)
	}
}

func TestCloseStopsPendingNotifications(t *testing.T) {
	e := newEnv(t, doku.PathSetCurrent, func(o *sandbox.Options) { o.SettleDelay = time.Hour })
	ct := e.link(t, "6285700000001", "cust-001")
	p := e.pay(t, ct.AccessToken, "INV-C", 1_000)
	e.submit(t, p.WebRedirectURL, url.Values{"pin": {sandbox.SandboxPIN}})
	done := make(chan struct{})
	go func() { e.sb.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not return")
	}
	e.merchant.noNote(t, 20*time.Millisecond)
}

func TestPagesAndSimulate(t *testing.T) {
	e := newEnv(t, doku.PathSetCurrent, nil)
	b, err := e.client.BindAccount(context.Background(), &doku.BindParams{PhoneNo: "6285700000009", CustIDMerchant: "c"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := get(b.RedirectURL); status != 200 || !strings.Contains(body, `data-testid="doku-sandbox-ovo"`) || strings.Contains(body, "6285700000009") {
		t.Errorf("bind page %d (phone must be masked): %s", status, body)
	}
	if status, _ := get(e.base + "/ovo/pay/nope"); status != 404 {
		t.Errorf("unknown payment page: %d", status)
	}
	// Without a success URL the page shows the authCode itself.
	status, loc := e.submit(t, b.RedirectURL, url.Values{"otp": {sandbox.SandboxOTP}, "pin": {sandbox.SandboxPIN}})
	if status != 200 || loc != "" {
		t.Errorf("no success URL: %d %q", status, loc)
	}
	for _, form := range []url.Values{{"phoneNo": {"x"}, "value": {"1"}}, {"phoneNo": {"6285700000001"}, "value": {"1.5"}}} {
		resp, err := http.PostForm(e.base+"/simulate/balance", form)
		if err != nil || resp.StatusCode != 400 {
			t.Errorf("simulate balance %v: %v %v", form, resp.StatusCode, err)
		}
		resp.Body.Close()
	}
	resp, err := http.PostForm(e.base+"/simulate/notify", url.Values{"partnerReferenceNo": {"none"}})
	if err != nil || resp.StatusCode != 404 {
		t.Errorf("simulate notify unknown: %v", err)
	}
	resp.Body.Close()
}

func TestClientErrorsAreTyped(t *testing.T) {
	e := newEnv(t, doku.PathSetCurrent, nil)
	_, err := e.client.Pay(context.Background(), &doku.PaymentParams{CustomerToken: "forged", PartnerReferenceNo: "x", Amount: 1})
	var de *provider.Error
	if !errors.As(err, &de) || de.Code != "4015402" || de.HTTPStatus != 401 || de.Outcome != provider.Rejected || !strings.Contains(de.Message, "linked again") {
		t.Errorf("err = %#v", err)
	}
}
