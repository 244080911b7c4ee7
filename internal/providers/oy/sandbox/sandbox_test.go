package sandbox

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const user, key = "u", "k"

func call(t *testing.T, h http.Handler, method, path, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-OY-Username", user)
	req.Header.Set("X-Api-Key", key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestCallbackIsRetriedUntilAccepted(t *testing.T) {
	var hits atomic.Int32
	got := make(chan string, 4)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		got <- r.URL.RawQuery + " " + string(b)
	}))
	defer rc.Close()
	sb := New(Options{Username: user, APIKey: key, DisbursementCallbackURL: rc.URL + "/cb?token=abc",
		SettleDelay: time.Millisecond, CallbackRetryDelay: time.Millisecond})
	defer sb.Close()
	if _, body := call(t, sb, "POST", "/api/remit", `{"recipient_bank":"014","recipient_account":"1","amount":10000,"partner_trx_id":"r1"}`); !strings.Contains(body, `"101"`) {
		t.Fatal(body)
	}
	select {
	case s := <-got:
		if !strings.HasPrefix(s, "token=abc ") || !strings.Contains(s, `"partner_trx_id":"r1"`) || !strings.Contains(s, `"code":"000"`) {
			t.Errorf("callback %s", s)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("callback never accepted")
	}
	if hits.Load() != 3 {
		t.Errorf("%d attempts", hits.Load())
	}
}

func TestCloseStopsPendingSettlements(t *testing.T) {
	var hits atomic.Int32
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer rc.Close()
	sb := New(Options{Username: user, APIKey: key, DisbursementCallbackURL: rc.URL, SettleDelay: time.Hour})
	call(t, sb, "POST", "/api/remit", `{"recipient_bank":"014","recipient_account":"1","amount":10000,"partner_trx_id":"c1"}`)
	done := make(chan struct{})
	go func() { sb.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not return")
	}
	if code, _ := sb.DisbursementCode("c1"); code != "101" || hits.Load() != 0 {
		t.Errorf("settled after Close: %s %d", code, hits.Load())
	}
	// After Close nothing new is scheduled, and requests still get answers.
	if status, _ := call(t, sb, "GET", "/api/balance", ""); status != 200 {
		t.Errorf("balance after close: %d", status)
	}
}

func TestConcurrentRemitsKeepTheBalanceRight(t *testing.T) {
	sb := New(Options{Username: user, APIKey: key, StartBalance: 1_000_000, SettleDelay: time.Millisecond})
	defer sb.Close()
	var wg sync.WaitGroup
	var accepted, refused atomic.Int64
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, body := call(t, sb, "POST", "/api/remit", fmt.Sprintf(`{"recipient_bank":"014","recipient_account":"12%d","amount":50000,"partner_trx_id":"cc-%d"}`, i, i))
			switch {
			case strings.Contains(body, `"101"`):
				accepted.Add(1)
			case strings.Contains(body, `"206"`):
				refused.Add(1)
			default:
				t.Errorf("unexpected %s", body)
			}
		}()
	}
	wg.Wait()
	if accepted.Load() != 20 || refused.Load() != 20 {
		t.Errorf("accepted %d refused %d; 1,000,000 covers exactly 20", accepted.Load(), refused.Load())
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		bal, pending := sb.Balance()
		if bal == 0 && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("balance %d pending %d", bal, pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAccountSlowUsesSlowDelay(t *testing.T) {
	sb := New(Options{Username: user, APIKey: key, SlowDelay: 80 * time.Millisecond})
	defer sb.Close()
	start := time.Now()
	_, body := call(t, sb, "POST", "/api/inquiry", `{"recipient_bank":"014","recipient_account":"`+AccountSlow+`"}`)
	if time.Since(start) < 80*time.Millisecond || !strings.Contains(body, `"000"`) {
		t.Errorf("slow inquiry took %v: %s", time.Since(start), body)
	}
	start = time.Now()
	call(t, sb, "POST", "/api/inquiry", `{"recipient_bank":"014","recipient_account":"1239812390"}`)
	if time.Since(start) > 50*time.Millisecond {
		t.Errorf("normal inquiry slow: %v", time.Since(start))
	}
}

func TestPayPageFormFlow(t *testing.T) {
	sb := New(Options{Username: user, APIKey: key, PublicURL: "http://example.test/sandbox/oy/"})
	defer sb.Close()
	_, body := call(t, sb, "POST", "/api/payment-checkout/create-v2", `{"partner_tx_id":"F1","sender_name":"Budi","amount":20000,"is_open":true}`)
	if !strings.Contains(body, `"url":"http://example.test/sandbox/oy/pay/`) {
		t.Fatal(body)
	}
	form := url.Values{"amount": {"15.000"}, "payment_method": {"VA"}}
	req := httptest.NewRequest("POST", "/simulate/checkout/F1/pay", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	sb.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("form pay: %d %s", rec.Code, rec.Body)
	}
	_, st := call(t, sb, "GET", "/api/payment-checkout/status?partner_tx_id=F1", "")
	if !strings.Contains(st, `"status":"complete"`) || !strings.Contains(st, `"amount":15000`) {
		t.Errorf("status %s", st)
	}
	// Over the open link's maximum, and unknown links, are refused.
	_, _ = call(t, sb, "POST", "/api/payment-checkout/create-v2", `{"partner_tx_id":"F2","sender_name":"Budi","amount":20000,"is_open":true}`)
	if code, _ := call(t, sb, "POST", "/simulate/checkout/F2/pay", `{"amount":25000}`); code != http.StatusUnprocessableEntity {
		t.Errorf("over maximum: %d", code)
	}
	if code, _ := call(t, sb, "POST", "/simulate/checkout/none/pay", `{}`); code != http.StatusNotFound {
		t.Errorf("unknown: %d", code)
	}
	if code, _ := call(t, sb, "POST", "/simulate/va/none/pay", `{"amount":1}`); code != http.StatusNotFound {
		t.Errorf("unknown va: %d", code)
	}
}
