package ayopop

import (
	"errors"
	"os"
	"slices"
	"testing"
	"time"
)

func TestParseCallbackDocumentedShape(t *testing.T) {
	body, err := os.ReadFile("testdata/callback_success.json")
	if err != nil {
		t.Fatal(err)
	}
	cb, err := ParseCallback(body)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Code != 0 || cb.State != StateSuccess || cb.Class != ClassSuccess || !cb.Success {
		t.Fatalf("code/state = %d %v %v %v", cb.Code, cb.State, cb.Class, cb.Success)
	}
	if cb.RefNumber != "48438402" || cb.TransactionID != "48372060" || cb.AccountNumber != "081212223192" {
		t.Fatalf("ids = %q %q %q", cb.RefNumber, cb.TransactionID, cb.AccountNumber)
	}
	if cb.Amount != 51300 || cb.TotalAdmin != 0 || cb.SerialNumber != "210709GM11643520" || cb.CustomerName != "Ishan" {
		t.Fatalf("fields = %+v", cb.Transaction)
	}
	want := time.Date(2021, 1, 5, 16, 42, 0, 0, wib)
	if !cb.PaidAt.Equal(want) || cb.PaidAtRaw != "05 Jan 2021 | 16:42" {
		t.Fatalf("PaidAt = %v (%q)", cb.PaidAt, cb.PaidAtRaw)
	}
	if cb.DedupKey() != "ayopop:48438402:48372060:0" {
		t.Fatalf("DedupKey = %q", cb.DedupKey())
	}
	refs := cb.References()
	for _, r := range []string{"48438402", "48372060", "081212223192", "210709GM11643520", "162460689498790"} {
		if !slices.Contains(refs, r) {
			t.Errorf("References %v lack %q", refs, r)
		}
	}
	if len(cb.ProductDetails) != 1 || cb.ProductDetails[0].Value != "210709GM11643520" {
		t.Errorf("ProductDetails = %+v", cb.ProductDetails)
	}
	if len(cb.BillDetails) != 2 || cb.BillDetails[0].Amount != 51300 || !cb.BillDetails[0].IsAmount || cb.BillDetails[1].BillID != "0" {
		t.Errorf("BillDetails = %+v", cb.BillDetails)
	}
}

func TestCallbackDedupKeyChangesWithStatus(t *testing.T) {
	pending, err := ParseCallback([]byte(`{"success":true,"responseCode":299,"message":{"ID":"a","EN":"b"},"data":{"refNumber":"R1","transactionId":7}}`))
	if err != nil {
		t.Fatal(err)
	}
	done, err := ParseCallback([]byte(`{"success":true,"responseCode":"0","message":"ok","data":{"refNumber":"R1","transactionId":"7"}}`))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := ParseCallback([]byte(`{"success":true,"responseCode":0,"message":"ok","data":{"refNumber":"R1","transactionId":7}}`))
	if pending.DedupKey() == done.DedupKey() || done.DedupKey() != again.DedupKey() {
		t.Fatalf("keys %q %q %q", pending.DedupKey(), done.DedupKey(), again.DedupKey())
	}
	if pending.State != StatePending || done.State != StateSuccess {
		t.Fatalf("states %v %v", pending.State, done.State)
	}
	failed, err := ParseCallback([]byte(`{"success":false,"responseCode":101,"message":{"EN":"failed"},"data":{"refNumber":"R2"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if failed.State != StateUnknown || failed.Class != ClassFailed || failed.State.Final() {
		t.Fatalf("failure callback must not be final: %v %v", failed.State, failed.Class)
	}
}

func TestParseCallbackRejects(t *testing.T) {
	cases := []struct {
		name string
		body string
		want error
	}{
		{"empty", ``, ErrMalformed},
		{"html", `<html>502</html>`, ErrMalformed},
		{"truncated", `{"success":true,"responseCode":0,"data":{"refNumber":"1"`, ErrMalformed},
		{"no code", `{"success":true,"data":{"refNumber":"1"}}`, ErrMalformed},
		{"code not a number", `{"responseCode":"abc","data":{"refNumber":"1"}}`, ErrMalformed},
		{"fractional amount", `{"responseCode":0,"data":{"refNumber":"1","amount":"100.50"}}`, ErrMalformed},
		{"data not an object", `{"responseCode":0,"data":[1]}`, ErrMalformed},
		{"no reference", `{"responseCode":0,"data":{"amount":1}}`, ErrMissingReference},
		{"no data", `{"responseCode":0}`, ErrMissingReference},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ParseCallback([]byte(c.body)); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestVerifyCallbackToken(t *testing.T) {
	if err := VerifyCallbackToken("s3cret", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if err := VerifyCallbackToken("s3cret", "s3creT"); !errors.Is(err, ErrBadToken) {
		t.Fatal(err)
	}
	if err := VerifyCallbackToken("s3cret", ""); !errors.Is(err, ErrMissingToken) {
		t.Fatal(err)
	}
	if err := VerifyCallbackToken("", ""); !errors.Is(err, ErrMissingToken) {
		t.Fatal("an unconfigured token must not accept an empty one")
	}
}

func FuzzParseCallback(f *testing.F) {
	for _, name := range []string{"testdata/callback_success.json", "testdata/payment_response.json", "testdata/status_response_verbatim.txt"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"responseCode":"299","data":{"refNumber":1e3,"amount":"5.00"}}`))
	f.Add([]byte(`{"responseCode":0,"message":null,"data":{"transactionId":1,"billDetails":[{"value":{"x":1}}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := ParseCallback(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrMissingReference) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if cb.DedupKey() == "" || len(cb.References()) == 0 {
			t.Fatalf("parsed callback without key or references: %+v", cb)
		}
		if cb.State.Final() && cb.Code != CodeSuccess {
			t.Fatalf("code %d treated as final", cb.Code)
		}
	})
}
