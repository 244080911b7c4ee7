package oy_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
)

// The account inquiry behind the disbursement form has a total budget,
// retries included: a slow OY cannot hold the clerk for 3 x 30 s.
func TestInquiryBudgetBoundsASlowOY(t *testing.T) {
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
	c := oy.New(oy.Config{BaseURL: srv.URL, Username: testUser, APIKey: testKey, Timeout: 5 * time.Second},
		oy.WithRetry(provider.RetryPolicy{Attempts: 5, Base: time.Millisecond}),
		oy.WithInteractiveBudget(200*time.Millisecond))
	start := time.Now()
	_, err := c.Inquiry(context.Background(), &oy.InquiryParams{RecipientBank: "014", RecipientAccount: "1239812390"})
	took := time.Since(start)
	if took < 150*time.Millisecond || took > 2*time.Second {
		t.Errorf("inquiry took %v, want about the 200ms budget", took)
	}
	if !provider.IsUnknown(err) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(provider.MessageOf(err), "nothing was moved") {
		t.Errorf("err = %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests; the budget ends inside the first", hits.Load())
	}
}

// Within the budget a busy OY is asked again; the budget stops the asking.
func TestInquiryRetriesBusyOYWithinBudget(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(40 * time.Millisecond)
		_, _ = io.WriteString(w, `{"status":{"code":"999","message":"Internal Server Error"}}`)
	}))
	defer srv.Close()
	c := oy.New(oy.Config{BaseURL: srv.URL, Username: testUser, APIKey: testKey, Timeout: 5 * time.Second},
		oy.WithRetry(provider.RetryPolicy{Attempts: 100, Base: time.Millisecond, Max: 2 * time.Millisecond}),
		oy.WithInteractiveBudget(300*time.Millisecond))
	start := time.Now()
	_, err := c.Inquiry(context.Background(), &oy.InquiryParams{RecipientBank: "014", RecipientAccount: "1239812390"})
	took := time.Since(start)
	if !provider.IsUnknown(err) || took > 2*time.Second {
		t.Fatalf("err = %v after %v", err, took)
	}
	if n := hits.Load(); n < 2 || n >= 100 {
		t.Errorf("%d requests: want retries, stopped by the budget", n)
	}
}

// The budget is for the clerk's inquiry only: a remit keeps its own
// per-attempt deadline, so a slow answer is not cut short by it.
func TestRemitIsNotBoundByTheInteractiveBudget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(150 * time.Millisecond)
		_, _ = io.WriteString(w, `{"status":{"code":"101","message":"Request is Processed"},"amount":10000,"partner_trx_id":"B-1","trx_id":"x"}`)
	}))
	defer srv.Close()
	c := oy.New(oy.Config{BaseURL: srv.URL, Username: testUser, APIKey: testKey, Timeout: 5 * time.Second},
		oy.WithInteractiveBudget(50*time.Millisecond))
	d, err := c.Remit(context.Background(), &oy.RemitParams{RecipientBank: "014", RecipientAccount: "1239812390", Amount: 10000, PartnerTrxID: "B-1"})
	if err != nil || d.Code != "101" {
		t.Fatalf("remit: %v %+v", err, d)
	}
}
