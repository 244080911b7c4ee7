package faspay

import (
	"backoffice/internal/providers/provider"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
)

func FuzzParsePaymentNotification(f *testing.F) {
	f.Add("application/json", fixture(f, "payment_notification.json"))
	f.Add("application/x-www-form-urlencoded", fixture(f, "payment_notification.form"))
	f.Add("text/xml", fixture(f, "payment_notification.xml"))
	f.Add("", []byte(`{"bill_no":"1","trx_id":"2","payment_status_code":2,"bill_total":1e3}`))
	f.Add("", []byte(`bill_no=1&trx_id=2&payment_status_code=9&payment_date=0000-00-00`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		n, err := ParsePaymentNotification(contentType, body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		if n.BillNo == "" || n.TrxID == "" || len(n.StatusCode) != 1 || n.BillTotal < 0 || n.PaymentTotal < 0 {
			t.Fatalf("accepted an invalid notification: %+v", n)
		}
		_ = VerifyPaymentNotification(n, testUserID, testPassword)
		_ = n.DedupKey()
		_ = n.References()
		_ = NewNotificationReply(n, n.PaymentDate).JSON()
	})
}

func FuzzParseActivationCallback(f *testing.F) {
	f.Add("response=Account+Activation+OVO+OpenAPI&phone_number=081234567891&response_code=00&response_desc=success")
	f.Add("phone_number=%2B62812&response_code=1")
	f.Add("phone_number=&response_code=00&token=x")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		a, err := ParseActivationCallback(q)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		if a.PhoneNumber == "" || a.ResponseCode == "" {
			t.Fatalf("accepted %+v", a)
		}
		_ = a.DedupKey()
	})
}

func FuzzVerifyPaymentNotification(f *testing.F) {
	f.Add("123", "2", "f4b8ab5f0afa73f7ba3da3126698c42f646fd9a5")
	f.Add("", "", "")
	f.Add("0001", "9", "F4B8AB5F0AFA73F7BA3DA3126698C42F646FD9A5")
	f.Fuzz(func(t *testing.T, billNo, status, sig string) {
		n := &PaymentNotification{BillNo: billNo, StatusCode: PaymentStatus(status), Signature: sig}
		err := VerifyPaymentNotification(n, testUserID, testPassword)
		good := NotificationSignature(testUserID, testPassword, billNo, status)
		if err == nil && !SignatureEqual(good, sig) {
			t.Fatalf("accepted a wrong signature %q", sig)
		}
		n.Signature = good
		if err := VerifyPaymentNotification(n, testUserID, testPassword); err != nil {
			t.Fatalf("rejected its own signature: %v", err)
		}
	})
}

// fuzzDecode runs one documented response parser on raw.
func fuzzDecode(f *testing.F, seed string, parse func(raw []byte) error) {
	f.Add(fixture(f, seed))
	f.Add([]byte(`{"response_code":"00"}`))
	f.Add([]byte(`""`))
	f.Add([]byte(`{"list_transaction":[{"trx_amount":1,"amount_detail":[{"type":"CASH","amt":"1"}]}],"topup_instruction":{"x":{}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) { _ = parse(raw) })
}

func FuzzActivationResponse(f *testing.F) {
	fuzzDecode(f, "activation_response.json", func(raw []byte) error {
		var r activationResponse
		if err := decodeJSON(raw, &r); err != nil {
			return err
		}
		_, err := activationFromResponse(&r)
		return err
	})
}

func FuzzPaymentResponse(f *testing.F) {
	fuzzDecode(f, "payment_response.json", func(raw []byte) error {
		var r paymentResponse
		if err := decodeJSON(raw, &r); err != nil {
			return err
		}
		_, err := paymentFromResponse(&r)
		return err
	})
}

func FuzzTopUpResponse(f *testing.F) {
	fuzzDecode(f, "topup_instruction_response.json", func(raw []byte) error {
		var r topUpResponse
		if err := decodeJSON(raw, &r); err != nil {
			return err
		}
		_, err := topUpFromResponse(&r)
		return err
	})
}

func FuzzBalanceResponse(f *testing.F) {
	fuzzDecode(f, "balance_response.json", func(raw []byte) error {
		var r balanceResponse
		if err := decodeJSON(raw, &r); err != nil {
			return err
		}
		_, err := balanceFromResponse(&r)
		return err
	})
}

func FuzzHistoryResponse(f *testing.F) {
	fuzzDecode(f, "history_response.json", func(raw []byte) error {
		var r historyResponse
		if err := decodeJSON(raw, &r); err != nil {
			return err
		}
		_, err := historyFromResponse(&r)
		return err
	})
}

type fixedAnswer struct {
	status int
	body   []byte
}

func (a fixedAnswer) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(a.body))}, nil
}

// FuzzClientAnswer drives the whole client path with any HTTP answer: the
// result is a value or an *provider.Error with an Outcome, never a panic.
func FuzzClientAnswer(f *testing.F) {
	for _, s := range []string{"payment_response.json", "payment_token_expired_response.json", "balance_response.json", "history_response.json"} {
		f.Add(200, fixture(f, s))
	}
	f.Add(502, []byte("<html>"))
	f.Add(200, []byte(`{"response_code":"01","response_desc":"Failed"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		c := New(Config{BaseURL: "http://faspay.invalid", UserID: testUserID, Password: testPassword,
			HTTPClient: &http.Client{Transport: fixedAnswer{status, body}}}, WithRetry(fastRetry))
		ctx := context.Background()
		check := func(err error) {
			if err == nil {
				return
			}
			var fe *provider.Error
			if !errors.As(err, &fe) || fe.Outcome == 0 || fe.Message == "" {
				t.Fatalf("untyped error: %#v", err)
			}
		}
		_, err := c.Pay(ctx, &PaymentParams{BillNo: "1", BillTotal: 1, PhoneNo: testPhone})
		check(err)
		_, err = c.Balance(ctx, &BalanceParams{PhoneNo: testPhone})
		check(err)
		_, err = c.History(ctx, &HistoryParams{PhoneNo: testPhone, StartDate: testDay, EndDate: testDay})
		check(err)
		_, err = c.TopUpInstruction(ctx, &TopUpInstructionParams{PhoneNo: testPhone})
		check(err)
		_, err = c.Activate(ctx, &ActivationParams{PhoneNo: testPhone, CustName: "A"})
		check(err)
		_, err = c.Unlink(ctx, &UnlinkParams{PhoneNo: testPhone})
		check(err)
	})
}
