package faspay

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"backoffice/internal/providers/clerktext"
	"backoffice/internal/providers/provider"
)

// TestEveryClerkSentenceIsTranslated: each sentence of the code tables,
// and those of real failed calls, has an Indonesian translation in the
// catalogue (internal/providers/clerktext).
func TestEveryClerkSentenceIsTranslated(t *testing.T) {
	var sentences []string
	for code, info := range codes {
		if code != CodeSuccess {
			msg, _ := clerkMessage(code, "")
			sentences = append(sentences, msg)
		}
		sentences = append(sentences, info.message)
	}
	for _, h := range failedHints {
		sentences = append(sentences, h.message)
	}
	unknown, _ := clerkMessage("77", "")
	sentences = append(sentences, unknown)

	answers := []struct {
		status int
		body   string
		sleep  time.Duration
	}{
		{200, "<html>Maintenance</html>", 0},
		{500, "oops", 0},
		{401, "<html>Unauthorised</html>", 0},
		{400, "<html>Bad Request</html>", 0},
		{500, `{"response_code":"00"}`, 0},
		{200, `{"response_code":"00"}`, 400 * time.Millisecond},
	}
	for _, a := range answers {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if a.sleep > 0 {
				select {
				case <-time.After(a.sleep):
				case <-r.Context().Done():
					return
				}
			}
			w.WriteHeader(a.status)
			_, _ = io.WriteString(w, a.body)
		}))
		c := New(Config{BaseURL: srv.URL, MerchantID: testMerchantID, UserID: testUserID, Password: testPassword,
			Timeout: 100 * time.Millisecond}, WithRetry(fastRetry))
		_, perr := c.Pay(context.Background(), &PaymentParams{BillNo: "555", BillDesc: "x", BillTotal: 10000, PhoneNo: testPhone, CustName: "A", Email: "a@b.c"})
		_, berr := c.Balance(context.Background(), &BalanceParams{PhoneNo: testPhone})
		srv.Close()
		for _, err := range []error{perr, berr} {
			var fe *provider.Error
			if !errors.As(err, &fe) {
				t.Fatalf("answer %d %q: err = %v", a.status, a.body, err)
			}
			sentences = append(sentences, fe.Message)
		}
	}
	for _, s := range sentences {
		if !clerktext.Known(s) {
			t.Errorf("no Indonesian for %q", s)
		}
	}
}
