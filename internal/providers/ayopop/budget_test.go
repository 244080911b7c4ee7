package ayopop_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/provider"
)

// The inquiry behind the top-up form has a total budget, retries included:
// a slow Ayopop cannot hold the clerk for three 30-second attempts.
func TestInquiryBudgetBoundsASlowAyopop(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	// Per attempt 5 s and five attempts: 25 s without the budget.
	c := ayopop.New(ayopop.Config{BaseURL: srv.URL, PartnerID: "p", APIKey: "k", Secret: "s", Timeout: 5 * time.Second},
		ayopop.WithRetry(provider.RetryPolicy{Attempts: 5, Base: time.Millisecond}),
		ayopop.WithInteractiveBudget(200*time.Millisecond))
	start := time.Now()
	_, err := c.Inquiry(context.Background(), &ayopop.InquiryParams{AccountNumber: "081215474224", ProductCode: "AYOVO100"})
	took := time.Since(start)
	if took < 150*time.Millisecond || took > 2*time.Second {
		t.Errorf("inquiry took %v, want about the 200ms budget", took)
	}
	if !provider.IsUnknown(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests; the budget ends inside the first", hits.Load())
	}
}
