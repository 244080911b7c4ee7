package oy

import (
	"backoffice/internal/providers/provider"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// bodyTransport answers every request with one body, without a network.
type bodyTransport struct {
	status int
	body   []byte
}

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.status, Body: io.NopCloser(bytes.NewReader(b.body)), Header: http.Header{}, Request: r}, nil
}

func fuzzClient(status int, body []byte) *Client {
	return New(Config{BaseURL: "http://oy.invalid", Username: "u", APIKey: "k", Timeout: time.Second,
		HTTPClient: &http.Client{Transport: bodyTransport{status, body}}}, WithRetry(provider.RetryPolicy{Attempts: 1}))
}

func seed(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(200, b)
	}
	f.Add(200, []byte(`{"status":{"code":"999","message":"x"}}`))
	f.Add(500, []byte(`<html>`))
	f.Add(200, []byte(`{"status":{"code":101},"amount":1e400}`))
}

// checkErr: any failure is a typed *Error with an outcome and a sentence.
func checkErr(t *testing.T, err error) {
	if err == nil {
		return
	}
	var e *provider.Error
	if !errors.As(err, &e) || e.Outcome == 0 || e.Message == "" {
		t.Fatalf("untyped error %#v", err)
	}
}

func FuzzDisbursementResponses(f *testing.F) {
	seed(f, "inquiry_response.json", "remit_response.json", "remit_status_response.json", "balance_response.json")
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		c := fuzzClient(status, body)
		ctx := context.Background()
		d, err := c.Remit(ctx, &RemitParams{RecipientBank: "014", RecipientAccount: "1", Amount: 10000, PartnerTrxID: "p"})
		checkErr(t, err)
		if err == nil && !remitAccepted(d.Code) {
			t.Fatalf("remit accepted code %q", d.Code)
		}
		_, err = c.RemitStatus(ctx, &RemitStatusParams{PartnerTrxID: "p"})
		checkErr(t, err)
		_, err = c.Inquiry(ctx, &InquiryParams{RecipientBank: "014", RecipientAccount: "1"})
		checkErr(t, err)
		_, err = c.Balance(ctx)
		checkErr(t, err)
	})
}

func FuzzParseDisbursementCallback(f *testing.F) {
	b, _ := os.ReadFile("testdata/disbursement_callback.json")
	f.Add(b)
	f.Add([]byte(`{"status":{"code":"300"},"partner_trx_id":"x","amount":"12.0000"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := ParseDisbursementCallback(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		if cb.Code == "" || (cb.PartnerTrxID == "" && cb.TrxID == "") || cb.DedupKey() == "" || len(cb.References()) == 0 {
			t.Fatalf("accepted an incomplete callback %+v", cb)
		}
	})
}

func FuzzParseVACallback(f *testing.F) {
	b, _ := os.ReadFile("testdata/va_callback.json")
	f.Add(b)
	f.Add([]byte(`{"va_number":123,"success":"true","amount":"5.00"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := ParseVACallback(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		if cb.VANumber == "" || cb.DedupKey() == "" {
			t.Fatalf("accepted %+v", cb)
		}
	})
}

func FuzzVerifyToken(f *testing.F) {
	f.Add("s3cret", "s3cret")
	f.Add("", "x")
	f.Add("x", "")
	f.Fuzz(func(t *testing.T, got, want string) {
		err := VerifyToken(got, want)
		if (err == nil) != (got != "" && got == want) {
			t.Fatalf("VerifyToken(%q,%q) = %v", got, want, err)
		}
	})
}

func FuzzAmount(f *testing.F) {
	for _, s := range []string{`125000`, `100000000.0000`, `"30000"`, `null`, `""`, `-1`, `1e5`, `12.5`, `"abc"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a jsonAmount
		_ = a.UnmarshalJSON(b)
		var s jsonString
		_ = s.UnmarshalJSON(b)
		var v jsonBool
		_ = v.UnmarshalJSON(b)
	})
}

func FuzzVAResponses(f *testing.F) {
	seed(f, "va_create_response.json", "va_get_response.json", "va_update_response.json", "va_list_response.json", "va_tx_history_response.json")
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		c := fuzzClient(status, body)
		ctx := context.Background()
		_, err := c.CreateVA(ctx, &CreateVAParams{PartnerUserID: "u", BankCode: "002", IsOpen: true})
		checkErr(t, err)
		_, err = c.GetVA(ctx, "id")
		checkErr(t, err)
		amt := int64(1)
		_, err = c.UpdateVA(ctx, "id", &UpdateVAParams{Amount: &amt})
		checkErr(t, err)
		_, err = c.ListVAs(ctx, nil)
		checkErr(t, err)
		_, err = c.VATransactions(ctx, "id", &ListParams{Limit: 3})
		checkErr(t, err)
	})
}

func FuzzCheckoutResponses(f *testing.F) {
	seed(f, "checkout_create_response.json", "invoice_create_response.json", "checkout_status_response.json",
		"checkout_get_response.json", "checkout_delete_response.json")
	f.Add(200, []byte(`{"status":false,"message":"Can not delete, status transaction is COMPLETE"}`))
	f.Add(200, []byte(`{"status":true,"data":{"invoiceData":{"invoiceItems":"[{\"date_of_purchase\":\"2020-09-20\"}]"}}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		c := fuzzClient(status, body)
		ctx := context.Background()
		_, err := c.CreateCheckout(ctx, &CheckoutParams{PartnerTxID: "a", SenderName: "A", Amount: 20000})
		checkErr(t, err)
		_, err = c.CreateInvoice(ctx, &InvoiceParams{CheckoutParams: CheckoutParams{PartnerTxID: "a", SenderName: "A", IsOpen: true}})
		checkErr(t, err)
		_, err = c.PaymentStatus(ctx, &PaymentStatusParams{PartnerTxID: "a"})
		checkErr(t, err)
		_, err = c.GetCheckout(ctx, "a")
		checkErr(t, err)
		checkErr(t, c.DeleteCheckout(ctx, "a"))
	})
}

func FuzzParseCheckoutCallback(f *testing.F) {
	b, _ := os.ReadFile("testdata/checkout_status_response.json")
	f.Add(b)
	f.Add([]byte(`{"partner_tx_id":"x","status":"complete","amount":"15000.00","created":"2020-01-01 00:00:00"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := ParseCheckoutCallback(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		if cb.PartnerTxID == "" || cb.Status == "" || cb.DedupKey() == "" || cb.Status.Clerk() == "" {
			t.Fatalf("accepted %+v", cb)
		}
	})
}
