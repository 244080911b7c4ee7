package provider_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/doku"
	"backoffice/internal/providers/faspay"
	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
)

// providerCase drives one provider's client: a money-moving write and a
// read, against base, with a short per-attempt timeout.
type providerCase struct {
	name string
	// prelude answers requests that must succeed before the call is sent
	// (DOKU's access token); it reports whether it answered.
	prelude func(w http.ResponseWriter, r *http.Request) bool
	write   func(ctx context.Context, base string) error
	read    func(ctx context.Context, base string) error
}

const attemptTimeout = 150 * time.Millisecond

var oneAttempt = provider.RetryPolicy{Attempts: 1}

func providerCases(t *testing.T) []providerCase {
	key := dokuKey(t)
	dokuClient := func(base string) *doku.Client {
		return doku.New(doku.Config{BaseURL: base, ClientID: "client", SecretKey: "secret", PrivateKey: key,
			Timeout: attemptTimeout}, doku.WithRetry(oneAttempt))
	}
	oyClient := func(base string) *oy.Client {
		return oy.New(oy.Config{BaseURL: base, Username: "u", APIKey: "k", Timeout: attemptTimeout}, oy.WithRetry(oneAttempt))
	}
	faspayClient := func(base string) *faspay.Client {
		return faspay.New(faspay.Config{BaseURL: base, MerchantID: "99999", UserID: "bot99999", Password: "pw",
			Timeout: attemptTimeout}, faspay.WithRetry(oneAttempt))
	}
	ayopopClient := func(base string) *ayopop.Client {
		return ayopop.New(ayopop.Config{BaseURL: base, PartnerID: "p", APIKey: "k", Secret: "s",
			Timeout: attemptTimeout}, ayopop.WithRetry(oneAttempt))
	}
	return []providerCase{
		{
			name: "oy",
			write: func(ctx context.Context, base string) error {
				_, err := oyClient(base).Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "1239812390",
					Amount: 10000, PartnerTrxID: "RULE-1"})
				return err
			},
			read: func(ctx context.Context, base string) error {
				_, err := oyClient(base).Balance(ctx)
				return err
			},
		},
		{
			name: "faspay",
			write: func(ctx context.Context, base string) error {
				_, err := faspayClient(base).Pay(ctx, &faspay.PaymentParams{BillNo: "RULE-1", BillDesc: "x", BillTotal: 10000,
					PhoneNo: "081382826301", CustName: "A", Email: "a@example.com"})
				return err
			},
			read: func(ctx context.Context, base string) error {
				_, err := faspayClient(base).Balance(ctx, &faspay.BalanceParams{PhoneNo: "081382826301"})
				return err
			},
		},
		{
			name: "doku",
			prelude: func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.Contains(r.URL.Path, "access-token") {
					return false
				}
				_, _ = w.Write([]byte(`{"responseCode":"2007300","accessToken":"b2b-token","tokenType":"Bearer","expiresIn":900}`))
				return true
			},
			write: func(ctx context.Context, base string) error {
				_, err := dokuClient(base).Pay(ctx, &doku.PaymentParams{CustomerToken: "ct", PartnerReferenceNo: "RULE-1", Amount: 10000})
				return err
			},
			read: func(ctx context.Context, base string) error {
				_, err := dokuClient(base).BalanceInquiry(ctx, &doku.BalanceParams{CustomerToken: "ct"})
				return err
			},
		},
		{
			name: "ayopop",
			write: func(ctx context.Context, base string) error {
				_, err := ayopopClient(base).Pay(ctx, &ayopop.PaymentParams{RefNumber: "RULE-1", AccountNumber: "081215474224",
					ProductCode: "AYOVO50", Amount: 51300, InquiryID: 1})
				return err
			},
			read: func(ctx context.Context, base string) error {
				_, err := ayopopClient(base).Balance(ctx, nil)
				return err
			},
		},
	}
}

func dokuKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	pem, err := os.ReadFile(filepath.Join("..", "doku", "testdata", "test-vector-private-key-pkcs8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := doku.ParsePrivateKeyPEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestCancellationAndTimeoutRule checks the one rule of package provider on
// all four clients: a context that ended before sending gives Rejected and
// nothing reaches the provider; a money-moving write whose answer does not
// come before the deadline gives Unknown; a read that times out gives
// Unknown too, worded as "nothing was moved".
func TestCancellationAndTimeoutRule(t *testing.T) {
	scenarios := []struct {
		name     string
		ctx      func() (context.Context, context.CancelFunc)
		call     func(pc providerCase, ctx context.Context, base string) error
		outcome  provider.Outcome
		cause    error
		notSent  bool
		phrase   string // in the clerk sentence
		attempts int32  // requests the provider must see for the call itself
	}{
		{
			name: "write, context cancelled before sending",
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			},
			call:    func(pc providerCase, ctx context.Context, base string) error { return pc.write(ctx, base) },
			outcome: provider.Rejected, cause: context.Canceled, notSent: true, phrase: "nothing was sent", attempts: 0,
		},
		{
			name: "write, deadline passed before sending",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			},
			call:    func(pc providerCase, ctx context.Context, base string) error { return pc.write(ctx, base) },
			outcome: provider.Rejected, cause: context.DeadlineExceeded, notSent: true, phrase: "nothing was sent", attempts: 0,
		},
		{
			name:    "write, provider hangs past the deadline",
			ctx:     func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			call:    func(pc providerCase, ctx context.Context, base string) error { return pc.write(ctx, base) },
			outcome: provider.Unknown, cause: context.DeadlineExceeded, phrase: "may or may not have gone through", attempts: 1,
		},
		{
			name:    "read, provider hangs past the deadline",
			ctx:     func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			call:    func(pc providerCase, ctx context.Context, base string) error { return pc.read(ctx, base) },
			outcome: provider.Unknown, cause: context.DeadlineExceeded, phrase: "nothing was moved", attempts: 1,
		},
	}
	for _, pc := range providerCases(t) {
		for _, sc := range scenarios {
			t.Run(pc.name+"/"+sc.name, func(t *testing.T) {
				var hits atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if pc.prelude != nil && pc.prelude(w, r) {
						return
					}
					hits.Add(1)
					// Read the body first: the server notices the client hanging
					// up only then. Hang until the client gives up.
					_, _ = io.Copy(io.Discard, r.Body)
					select {
					case <-r.Context().Done():
					case <-time.After(10 * time.Second):
					}
				}))
				defer srv.Close()
				ctx, cancel := sc.ctx()
				defer cancel()
				start := time.Now()
				err := sc.call(pc, ctx, srv.URL)
				if took := time.Since(start); took > 3*time.Second {
					t.Errorf("took %v", took)
				}
				e, ok := provider.AsError(err)
				if !ok {
					t.Fatalf("err = %#v, want *provider.Error", err)
				}
				if e.Outcome != sc.outcome || e.Provider != pc.name {
					t.Errorf("outcome %v from %q, want %v from %q: %v", e.Outcome, e.Provider, sc.outcome, pc.name, err)
				}
				if !errors.Is(err, sc.cause) {
					t.Errorf("cause %v not in the chain of %v", sc.cause, err)
				}
				if errors.Is(err, provider.ErrNotSent) != sc.notSent {
					t.Errorf("ErrNotSent in chain = %v, want %v: %v", !sc.notSent, sc.notSent, err)
				}
				if !strings.Contains(e.Message, sc.phrase) {
					t.Errorf("message %q lacks %q", e.Message, sc.phrase)
				}
				if got := hits.Load(); got != sc.attempts {
					t.Errorf("provider saw %d requests, want %d", got, sc.attempts)
				}
			})
		}
	}
}
