package oy_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"backoffice/internal/providers/oy"
)

func TestParseDisbursementCallbackDocumented(t *testing.T) {
	cb, err := oy.ParseDisbursementCallback(fixture(t, "disbursement_callback.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cb.Code != "000" || !cb.Succeeded() || cb.Amount != 125000 || cb.RecipientName != "John Doe" || cb.RecipientBank != "008" ||
		cb.RecipientAccount != "1234567890" || cb.TrxID != "ABC-456" || cb.PartnerTrxID != "1234-asde" ||
		!cb.Timestamp.Equal(time.Date(2020, 10, 16, 10, 34, 23, 0, oy.Jakarta)) {
		t.Errorf("got %+v", cb)
	}
	if cb.DedupKey() != "oy:disbursement:1234-asde:ABC-456:000" {
		t.Errorf("dedup %q", cb.DedupKey())
	}
	if !slices.Equal(cb.References(), []string{"1234-asde", "ABC-456", "1234567890"}) {
		t.Errorf("refs %v", cb.References())
	}
	failed, err := oy.ParseDisbursementCallback([]byte(`{"status":{"code":"300","message":"Failed"},"amount":"125000.0000","trx_id":"ABC-456","partner_trx_id":"1234-asde"}`))
	if err != nil || failed.DedupKey() == cb.DedupKey() || !failed.Failed() {
		t.Errorf("a new state must not dedup to the old: %v %+v", err, failed)
	}
}

func TestParseVACallbackDocumented(t *testing.T) {
	cb, err := oy.ParseVACallback(fixture(t, "va_callback.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2020, 1, 31, 1, 1, 1, 0, time.UTC)
	if cb.VANumber != "1234567" || cb.Amount != 100000 || cb.PartnerUserID != "oy0000000001" || !cb.Success || !cb.TxDate.Equal(want) {
		t.Errorf("got %+v", cb)
	}
	if cb.DedupKey() != "oy:va:1234567:31/01/2020T01:01:01.000+0000:100000:true" {
		t.Errorf("dedup %q", cb.DedupKey())
	}
	if !slices.Equal(cb.References(), []string{"1234567", "oy0000000001"}) {
		t.Errorf("refs %v", cb.References())
	}
}

func TestCallbackRejectsMalformed(t *testing.T) {
	for _, body := range []string{``, `<html>`, `{"status":`, `[]`, `{}`, `{"status":{"code":"000"}}`,
		`{"status":{"code":"000"},"partner_trx_id":"x","amount":"1.5"}`, `{"status":"000","partner_trx_id":"x"}`} {
		if _, err := oy.ParseDisbursementCallback([]byte(body)); !errors.Is(err, oy.ErrMalformed) {
			t.Errorf("disbursement %q: %v", body, err)
		}
	}
	for _, body := range []string{``, `{}`, `{"va_number":"1"}`, `{"va_number":"1","success":"maybe"}`, `{"success":true}`} {
		if _, err := oy.ParseVACallback([]byte(body)); !errors.Is(err, oy.ErrMalformed) {
			t.Errorf("va %q: %v", body, err)
		}
	}
}

func TestVerifyToken(t *testing.T) {
	for _, tc := range []struct {
		got, want string
		err       error
	}{
		{"s3cret", "s3cret", nil},
		{"", "s3cret", oy.ErrMissingToken},
		{"s3cre", "s3cret", oy.ErrBadToken},
		{"S3CRET", "s3cret", oy.ErrBadToken},
		{"anything", "", oy.ErrBadToken},
	} {
		if err := oy.VerifyToken(tc.got, tc.want); !errors.Is(err, tc.err) {
			t.Errorf("%q/%q: %v", tc.got, tc.want, err)
		}
	}
}

func TestParseCheckoutCallback(t *testing.T) {
	// The page lists the callback's parameters without a sample; the status
	// sample carries the same fields.
	cb, err := oy.ParseCheckoutCallback(fixture(t, "checkout_status_response.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cb.PartnerTxID != "partner000001" || cb.Amount != 15000 || cb.Status != oy.CheckoutSuccess || !cb.Status.Paid() {
		t.Errorf("got %+v", cb)
	}
	if cb.DedupKey() != "oy:checkout:partner000001:1234567:success" {
		t.Errorf("dedup %q", cb.DedupKey())
	}
	if !slices.Equal(cb.References(), []string{"partner000001", "1234567", "+6281111111"}) {
		t.Errorf("refs %v", cb.References())
	}
	for _, body := range []string{``, `{}`, `{"partner_tx_id":"x"}`, `{"partner_tx_id":"x","status":false}`, `{"status":"complete"}`,
		`{"partner_tx_id":"x","status":"complete","amount":"1.5"}`} {
		if _, err := oy.ParseCheckoutCallback([]byte(body)); !errors.Is(err, oy.ErrMalformed) {
			t.Errorf("%q: %v", body, err)
		}
	}
	for _, s := range []oy.CheckoutStatus{oy.CheckoutWaitingPayment, oy.CheckoutExpiredVA, oy.CheckoutChargeInProgress, oy.CheckoutChargeSuccess,
		oy.CheckoutChargeFailed, oy.CheckoutDisburseInProgress, oy.CheckoutComplete, oy.CheckoutClosed, oy.CheckoutCreated, oy.CheckoutExpired, oy.CheckoutFailed} {
		if strings.Contains(s.Clerk(), "does not know") {
			t.Errorf("%s has no sentence", s)
		}
	}
	if !strings.Contains(oy.CheckoutStatus("weird").Clerk(), "weird") {
		t.Error("unknown status sentence")
	}
}
