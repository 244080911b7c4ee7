package faspay

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseActivationCallback(t *testing.T) {
	var doc map[string]string
	if err := json.Unmarshal(fixture(t, "activation_callback.json"), &doc); err != nil {
		t.Fatal(err)
	}
	q := url.Values{}
	for k, v := range doc {
		q.Set(k, v)
	}
	q.Set("token", "dashboard-secret") // the dashboard's own URL token is ignored
	a, err := ParseActivationCallback(q)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Success() || a.PhoneNumber != "081234567891" || a.ResponseDesc != "success" || a.Response != "Account Activation OVO OpenAPI" {
		t.Errorf("callback = %+v", a)
	}
	if a.DedupKey() != "faspay:activation:081234567891:00" || !slices.Equal(a.References(), []string{"081234567891"}) {
		t.Errorf("dedup %q refs %v", a.DedupKey(), a.References())
	}

	cases := []struct {
		name  string
		query string
		err   error
		ok    bool
	}{
		{"failed", "phone_number=081234567891&response_code=01&response_desc=Failed", nil, false},
		{"one digit code", "phone_number=081234567891&response_code=0", nil, true},
		{"plus phone", "phone_number=%2B6281234567891&response_code=00", nil, true},
		{"no phone", "response_code=00", ErrMalformed, false},
		{"bad phone", "phone_number=abc&response_code=00", ErrMalformed, false},
		{"no code", "phone_number=081234567891", ErrMalformed, false},
		{"bad code", "phone_number=081234567891&response_code=ok", ErrMalformed, false},
	}
	for _, tc := range cases {
		q, _ := url.ParseQuery(tc.query)
		a, err := ParseActivationCallback(q)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err == nil && a.Success() != tc.ok {
			t.Errorf("%s: success = %v", tc.name, a.Success())
		}
	}
}

func TestParsePaymentNotificationEncodings(t *testing.T) {
	want := &PaymentNotification{
		Request: "Payment Notification", TrxID: "9999982980212147", MerchantID: "99999", Merchant: "FASPAY STORE",
		BillNo: "123", PaymentReff: "OVO9999982980212147", PaymentDate: time.Date(2021, 11, 11, 11, 27, 34, 0, Jakarta),
		PaymentDateRaw: "2021-11-11 11:27:34", StatusCode: StatusSuccess, StatusDesc: "Payment Success",
		BillTotal: 10000, PaymentTotal: 10000, PaymentChannelUID: "720", PaymentChannel: "OVO Tokenize",
		Signature: "f4b8ab5f0afa73f7ba3da3126698c42f646fd9a5",
	}
	cases := []struct{ file, contentType string }{
		{"payment_notification.json", "application/json"},
		{"payment_notification.json", ""},
		{"payment_notification.form", "application/x-www-form-urlencoded"},
		{"payment_notification.form", ""},
		{"payment_notification.xml", "text/xml"},
	}
	for _, tc := range cases {
		n, err := ParsePaymentNotification(tc.contentType, fixture(t, tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if !n.PaymentDate.Equal(want.PaymentDate) {
			t.Errorf("%s: date %v", tc.file, n.PaymentDate)
		}
		n.PaymentDate = want.PaymentDate
		if *n != *want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.file, n, want)
		}
		if err := VerifyPaymentNotification(n, testUserID, testPassword); err != nil {
			t.Errorf("%s: verify: %v", tc.file, err)
		}
	}
	n, _ := ParsePaymentNotification("", fixture(t, "payment_notification.json"))
	if n.DedupKey() != "faspay:payment:9999982980212147:123:2" {
		t.Errorf("dedup = %q", n.DedupKey())
	}
	if !slices.Equal(n.References(), []string{"9999982980212147", "123", "OVO9999982980212147"}) {
		t.Errorf("refs = %v", n.References())
	}
}

func TestParsePaymentNotificationCases(t *testing.T) {
	base := map[string]any{
		"request": "Payment Notification", "trx_id": "9999982980212147", "merchant_id": "99999", "merchant": "FASPAY STORE",
		"bill_no": "123", "payment_reff": "", "payment_date": "2021-11-11 11:27:34", "payment_status_code": "3",
		"payment_status_desc": "Payment Failed", "bill_total": "10000", "payment_total": "0",
		"payment_channel_uid": "720", "payment_channel": "OVO Tokenize", "signature": NotificationSignature(testUserID, testPassword, "123", "3"),
	}
	with := func(changes map[string]any) []byte {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range changes {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		b, _ := json.Marshal(m)
		return b
	}
	cases := []struct {
		name      string
		body      []byte
		parseErr  error
		verifyErr error
	}{
		{"failed payment", with(nil), nil, nil},
		{"numbers as JSON numbers", with(map[string]any{"payment_status_code": 3, "bill_total": 10000, "payment_channel_uid": 720, "merchant_id": 99999}), nil, nil},
		{"decimal amounts", with(map[string]any{"bill_total": "10000.00"}), nil, nil},
		{"no payment date", with(map[string]any{"payment_date": ""}), nil, nil},
		{"zero payment date", with(map[string]any{"payment_date": "0000-00-00 00:00:00"}), nil, nil},
		{"fractional amount", with(map[string]any{"bill_total": "10000.50"}), ErrMalformed, nil},
		{"negative amount", with(map[string]any{"payment_total": "-1"}), ErrMalformed, nil},
		{"bad date", with(map[string]any{"payment_date": "11/11/2021"}), ErrMalformed, nil},
		{"no bill", with(map[string]any{"bill_no": nil}), ErrMalformed, nil},
		{"no trx", with(map[string]any{"trx_id": ""}), ErrMalformed, nil},
		{"two digit status", with(map[string]any{"payment_status_code": "22"}), ErrMalformed, nil},
		{"object status", with(map[string]any{"payment_status_code": map[string]any{}}), ErrMalformed, nil},
		{"empty", nil, ErrMalformed, nil},
		{"truncated", with(nil)[:40], ErrMalformed, nil},
		{"html", []byte("<html><body>hi</body>"), ErrMalformed, nil},
		{"no signature", with(map[string]any{"signature": nil}), nil, ErrMissingSignature},
		{"status changed", with(map[string]any{"payment_status_code": "2"}), nil, ErrBadSignature},
		{"bill changed", with(map[string]any{"bill_no": "124"}), nil, ErrBadSignature},
		{"uppercase signature", with(map[string]any{"signature": strings.ToUpper(NotificationSignature(testUserID, testPassword, "123", "3"))}), nil, nil},
	}
	for _, tc := range cases {
		n, err := ParsePaymentNotification("application/json", tc.body)
		if !errors.Is(err, tc.parseErr) {
			t.Errorf("%s: parse err = %v, want %v", tc.name, err, tc.parseErr)
			continue
		}
		if err != nil {
			continue
		}
		if err := VerifyPaymentNotification(n, testUserID, testPassword); !errors.Is(err, tc.verifyErr) {
			t.Errorf("%s: verify err = %v, want %v", tc.name, err, tc.verifyErr)
		}
	}
	if err := VerifyPaymentNotification(nil, testUserID, testPassword); !errors.Is(err, ErrMalformed) {
		t.Errorf("nil notification: %v", err)
	}
	n, _ := ParsePaymentNotification("", fixture(t, "payment_notification.json"))
	if err := VerifyPaymentNotification(n, testUserID, "wrong"); !errors.Is(err, ErrBadSignature) {
		t.Errorf("wrong password verified: %v", err)
	}
}

func TestPaymentStatuses(t *testing.T) {
	cases := []struct {
		code        PaymentStatus
		final, paid bool
		word        string
	}{
		{"0", false, false, "not been processed"},
		{"1", false, false, "being processed"},
		{"2", true, true, "paid"},
		{"3", true, false, "failed"},
		{"4", true, false, "reversed"},
		{"5", true, false, "no bill"},
		{"7", true, false, "expired"},
		{"8", true, false, "cancelled"},
		{"9", false, false, "does not know"},
		{"6", false, false, "does not know"},
	}
	for _, c := range cases {
		if c.code.Final() != c.final || c.code.Paid() != c.paid || !strings.Contains(c.code.Description(), c.word) {
			t.Errorf("status %s: final=%v paid=%v %q", c.code, c.code.Final(), c.code.Paid(), c.code.Description())
		}
		if c.code.Known() != (c.code != "6") {
			t.Errorf("status %s known=%v", c.code, c.code.Known())
		}
	}
}

func TestNotificationReply(t *testing.T) {
	n, err := ParsePaymentNotification("", fixture(t, "payment_notification.json"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2021, 11, 11, 4, 27, 40, 0, time.UTC) // 11:27:40 WIB
	got := NewNotificationReply(n, at).JSON()
	want := fixture(t, "payment_notification_reply.json")
	if !slices.Equal(keySet(t, got), keySet(t, want)) {
		t.Errorf("reply keys %v, want %v", keySet(t, got), keySet(t, want))
	}
	var g, w map[string]string
	_ = json.Unmarshal(got, &g)
	_ = json.Unmarshal(want, &w)
	for k := range w {
		if g[k] != w[k] {
			t.Errorf("%s = %q, want %q", k, g[k], w[k])
		}
	}
}
