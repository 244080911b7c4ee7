package ayopop_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/provider"
)

// checkSentRequest verifies the headers and that the TOKEN payload is the
// documented request, field for field, and equals the body.
func checkSentRequest(t *testing.T, got seenRequest, path, requestFixture string) {
	t.Helper()
	if got.Path != path {
		t.Errorf("path = %q, want %q", got.Path, path)
	}
	if got.Header.Get("KEY") != testKey || got.Header.Get("VERSION") != "1.0" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers KEY=%q VERSION=%q Content-Type=%q", got.Header.Get("KEY"), got.Header.Get("VERSION"), got.Header.Get("Content-Type"))
	}
	payload, err := ayopop.VerifyToken([]byte(testSecret), got.Header.Get("TOKEN"))
	if err != nil {
		t.Fatalf("TOKEN does not verify: %v", err)
	}
	if string(payload) != string(got.Body) {
		t.Errorf("TOKEN payload %s differs from body %s", payload, got.Body)
	}
	if requestFixture != "" {
		sameKeys(t, requestFixture, payload, fixture(t, requestFixture))
	}
}

func TestClientParsesDocumentedInquiries(t *testing.T) {
	cases := []struct {
		name, request, response string
		params                  ayopop.InquiryParams
		amount                  int64
	}{
		{"closed amount", "inquiry_closed_request.json", "inquiry_closed_response.json",
			ayopop.InquiryParams{AccountNumber: "081215474224", ProductCode: "product-code"}, 51300},
		{"open amount", "inquiry_open_request.json", "inquiry_open_response.json",
			ayopop.InquiryParams{AccountNumber: "081215474224", ProductCode: "product-code", Amount: 101500}, 101500},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newRecorder(t, answerWith(http.StatusOK, fixture(t, c.response)))
			inq, err := newClient(srv.URL, ayopop.Config{}).Inquiry(context.Background(), &c.params)
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			checkSentRequest(t, reqs[0], ayopop.PathInquiry, c.request)
			var sent map[string]any
			_ = json.Unmarshal(reqs[0].Body, &sent)
			var doc map[string]any
			_ = json.Unmarshal(fixture(t, c.request), &doc)
			for k, v := range doc {
				if k != "partnerId" && sent[k] != v {
					t.Errorf("sent %s = %v, documented %v", k, sent[k], v)
				}
			}
			if inq.Code != 300 || inq.InquiryID != 8383992 || inq.RequestID != "162677119784848" || inq.RefNumber != "7468483" {
				t.Errorf("ids: %+v", inq)
			}
			if inq.Amount != c.amount || inq.TotalAdmin != 0 || inq.Total() != c.amount {
				t.Errorf("amount = %d admin = %d", inq.Amount, inq.TotalAdmin)
			}
			if inq.CustomerName != "TEST" || inq.AccountNumber != "0812154224" || inq.Category != "eMoney" || inq.ProductCode != "product-code" {
				t.Errorf("fields: %+v", inq)
			}
			if inq.ProviderMessage.EN != "Inquiry is successful" || inq.ProviderMessage.ID != "Inkuiri berhasil" {
				t.Errorf("message = %+v", inq.ProviderMessage)
			}
			if len(inq.CustomerDetails) != 3 || inq.CustomerDetails[1].Value != "05 Jan 2021 | 16:42" {
				t.Errorf("customerDetails = %+v", inq.CustomerDetails)
			}
			if len(inq.BillDetails) != 2 || inq.BillDetails[0].Amount != 51300 || !inq.BillDetails[0].IsMandatory || inq.BillDetails[1].Key != "Biaya Administrasi" {
				t.Errorf("billDetails = %+v", inq.BillDetails)
			}
		})
	}
}

func TestClientParsesDocumentedPayment(t *testing.T) {
	srv := newRecorder(t, answerWith(http.StatusOK, fixture(t, "payment_response.json")))
	tx, err := newClient(srv.URL, ayopop.Config{PartnerID: "ayopop"}).Pay(context.Background(), &ayopop.PaymentParams{
		RefNumber: "48438402", AccountNumber: "081212223192", ProductCode: "AYOVO50", Amount: 51300, InquiryID: 8383992,
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	checkSentRequest(t, reqs[0], ayopop.PathPayment, "payment_request.json")
	if string(reqs[0].Body) != `{"partnerId":"ayopop","refNumber":"48438402","accountNumber":"081212223192","productCode":"AYOVO50","amount":51300,"inquiryId":8383992}` {
		t.Errorf("body = %s", reqs[0].Body)
	}
	if tx.Code != 299 || tx.State != ayopop.StatePending || tx.State.Final() {
		t.Errorf("state = %d %v", tx.Code, tx.State)
	}
	if tx.RefNumber != "48438402" || tx.TransactionID != "48372060" || tx.Amount != 51300 || tx.TotalAdmin != 2500 || tx.ProcessingFee != 0 {
		t.Errorf("fields: %+v", tx)
	}
	if tx.ProductName != "GO-PAY (Konsumen) Rp 50.000" || tx.SerialNumber != "" {
		t.Errorf("fields: %+v", tx)
	}
}

func TestClientParsesDocumentedStatus(t *testing.T) {
	srv := newRecorder(t, answerWith(http.StatusOK, fixture(t, "status_response.json")))
	tx, err := newClient(srv.URL, ayopop.Config{}).Status(context.Background(), &ayopop.StatusParams{RefNumber: "48438402"})
	if err != nil {
		t.Fatal(err)
	}
	checkSentRequest(t, srv.requests()[0], ayopop.PathStatus, "")
	if tx.Code != 0 || tx.State != ayopop.StateSuccess || !tx.State.Final() {
		t.Errorf("state = %d %v", tx.Code, tx.State)
	}
	if tx.RefNumber != "48438402" || tx.TransactionID != "48372060" || tx.RequestID != "162460689498790" || tx.SerialNumber != "210709GM11643520" {
		t.Errorf("ids: %+v", tx)
	}
	if tx.Amount != 51300 || tx.CustomerName != "Ishan" || tx.PaidAt.IsZero() || tx.PaidAt.UTC() != time.Date(2021, 1, 5, 9, 42, 0, 0, time.UTC) {
		t.Errorf("fields: amount=%d name=%q paidAt=%v", tx.Amount, tx.CustomerName, tx.PaidAt)
	}
}

// The page's status sample lacks its closing brace; read as is, it must be
// an unknown outcome, never a success and never a panic.
func TestVerbatimStatusSampleIsTruncated(t *testing.T) {
	srv := newRecorder(t, answerWith(http.StatusOK, fixture(t, "status_response_verbatim.txt")))
	_, err := newClient(srv.URL, ayopop.Config{}).Status(context.Background(), &ayopop.StatusParams{RefNumber: "48438402"})
	if e := asError(t, err); e.Outcome != provider.Unknown {
		t.Fatalf("outcome = %v", e.Outcome)
	}
}

func TestAnswerAboutAnotherRefNumberIsNotTrusted(t *testing.T) {
	srv := newRecorder(t, answerWith(http.StatusOK, fixture(t, "status_response.json"))) // about 48438402
	_, err := newClient(srv.URL, ayopop.Config{}).Status(context.Background(), &ayopop.StatusParams{RefNumber: "OTHER-1"})
	if e := asError(t, err); e.Outcome != provider.Unknown || e.Code != "0" {
		t.Fatalf("err = %v", e)
	}
	pending := newRecorder(t, answerWith(http.StatusOK, []byte(`{"success":true,"responseCode":299,"message":{"EN":"processing"}}`)))
	tx, err := newClient(pending.URL, ayopop.Config{}).Status(context.Background(), &ayopop.StatusParams{RefNumber: "R-7"})
	if err != nil || tx.State != ayopop.StatePending || tx.RefNumber != "R-7" {
		t.Fatalf("tx = %+v, %v", tx, err)
	}
}

func TestSuccessWithoutDetailsIsNotTrusted(t *testing.T) {
	srv := newRecorder(t, answerWith(http.StatusOK, []byte(`{"success":true,"responseCode":0,"message":{"EN":"ok"}}`)))
	_, err := newClient(srv.URL, ayopop.Config{}).Status(context.Background(), &ayopop.StatusParams{RefNumber: "R-8"})
	if e := asError(t, err); e.Outcome != provider.Unknown || e.Code != "0" {
		t.Fatalf("err = %v", e)
	}
}
