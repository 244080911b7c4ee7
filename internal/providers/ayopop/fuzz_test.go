package ayopop_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/provider"
)

// answerTransport answers every request with one fixed body, in memory.
type answerTransport struct {
	status int
	body   []byte
}

func (a answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Body: io.NopCloser(bytes.NewReader(a.body)), Header: http.Header{}, Request: r}, nil
}

// FuzzClientAnswers feeds arbitrary bodies to every response parser of the
// client: never a panic, always a result or a typed *Error with an Outcome,
// and success only for the documented codes.
func FuzzClientAnswers(f *testing.F) {
	for _, name := range []string{"inquiry_closed_response.json", "inquiry_open_response.json", "payment_response.json", "status_response.json", "status_response_verbatim.txt"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(200, b)
	}
	f.Add(200, []byte(`{"success":true,"responseCode":0,"message":"ok","data":{"balance":"1000.00"}}`))
	f.Add(200, []byte(`{"success":true,"responseCode":0,"data":[{"code":"AYOVO10","amount":11300,"active":true}]}`))
	f.Add(502, []byte(`<html>Bad Gateway</html>`))
	f.Add(200, []byte(`{"responseCode":299}`))
	f.Add(200, []byte(`{"responseCode":"300","data":{"amount":1e400}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		c := ayopop.New(ayopop.Config{
			BaseURL: "http://ayopop.invalid", PartnerID: "p", APIKey: "k", Secret: "s", Timeout: time.Second,
			HTTPClient: &http.Client{Transport: answerTransport{status, body}},
		}, ayopop.WithRetry(provider.RetryPolicy{Attempts: 1}))
		ctx := context.Background()
		check := func(op string, ok bool, err error) {
			if err == nil {
				if !ok {
					t.Fatalf("%s: nil result and nil error", op)
				}
				return
			}
			e, isErr := err.(*provider.Error)
			if !isErr || e.Outcome == 0 || e.Message == "" || e.Op != op {
				t.Fatalf("%s: bad error %T %v", op, err, err)
			}
			if (op == "payment" || op == "status") && e.Outcome == provider.Rejected && !ayopop.FailureIsFinal {
				t.Fatalf("%s: %v reported as rejected", op, err)
			}
		}
		inq, err := c.Inquiry(ctx, &ayopop.InquiryParams{AccountNumber: "081", ProductCode: "X"})
		check("inquiry", inq != nil, err)
		if err == nil && inq.Code != ayopop.CodeInquirySuccess {
			t.Fatalf("inquiry accepted code %d", inq.Code)
		}
		tx, err := c.Pay(ctx, &ayopop.PaymentParams{RefNumber: "R", AccountNumber: "081", ProductCode: "X", Amount: 1, InquiryID: 1})
		check("payment", tx != nil, err)
		if err == nil && tx.Code != ayopop.CodeSuccess && tx.Code != ayopop.CodeProcessing {
			t.Fatalf("payment accepted code %d", tx.Code)
		}
		tx, err = c.Status(ctx, &ayopop.StatusParams{RefNumber: "R"})
		check("status", tx != nil, err)
		if err == nil && tx.State != ayopop.StateSuccess && tx.State != ayopop.StatePending {
			t.Fatalf("status returned state %v without error", tx.State)
		}
		bal, err := c.Balance(ctx, nil)
		check("balance", bal != nil, err)
		ps, err := c.Products(ctx, nil)
		check("products", ps != nil, err)
	})
}
