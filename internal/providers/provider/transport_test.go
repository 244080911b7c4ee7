package provider

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var fastRetry = RetryPolicy{Attempts: 3, Base: time.Millisecond, Max: 2 * time.Millisecond}

func newTestTransport(base string, log *slog.Logger) *Transport {
	return NewTransport(Config{Provider: "test", Name: "Test", BaseURL: base, Timeout: time.Second, Retry: fastRetry, Logger: log})
}

// call sends one POST per attempt and treats any 5xx as a bad answer.
func call(t *Transport, ctx context.Context, kind Kind) error {
	return t.Do(ctx, Call{Op: "op", Kind: kind}, func(ctx context.Context, _ int) error {
		r, err := t.Send(ctx, "op", kind, &Request{Path: "/x", Body: []byte(`{}`)})
		if err != nil {
			return err
		}
		if r.Status >= 300 {
			return t.BadAnswer("op", kind, r.Status, nil)
		}
		return nil
	})
}

func TestDoRepeatsOnlyWhereHarmless(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	tr := newTestTransport(srv.URL, nil)
	for _, tc := range []struct {
		kind Kind
		want int32
	}{{Read, 3}, {KeyedWrite, 3}, {Write, 1}} {
		hits.Store(0)
		err := call(tr, context.Background(), tc.kind)
		if !IsUnknown(err) || hits.Load() != tc.want {
			t.Errorf("%v: %d requests, err %v; want %d requests and Unknown", tc.kind, hits.Load(), err, tc.want)
		}
	}
}

func TestDoRetriesUntilAnswer(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if hits.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	if err := call(newTestTransport(srv.URL, nil), context.Background(), Read); err != nil || hits.Load() != 3 {
		t.Fatalf("err=%v after %d requests, want success on the third", err, hits.Load())
	}
}

func TestRejectedIsNotRepeated(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	err := call(newTestTransport(srv.URL, nil), context.Background(), Read)
	if !IsRejected(err) || hits.Load() != 1 || CodeOf(err) != "" || !strings.Contains(MessageOf(err), "HTTP 400") {
		t.Fatalf("err=%v after %d requests", err, hits.Load())
	}
}

// A later attempt that is never sent must not hide that an earlier one may
// have reached the provider.
func TestResendNotSentKeepsEarlierUnknown(t *testing.T) {
	tr := newTestTransport("http://provider.invalid", nil)
	first := &Error{Provider: "test", Op: "op", Outcome: Unknown, Message: "no answer"}
	err := tr.Do(context.Background(), Call{Op: "op", Kind: KeyedWrite}, func(_ context.Context, n int) error {
		if n == 1 {
			return first
		}
		return tr.NotSent("op", "could not sign; nothing was sent.", errors.New("no key"))
	})
	if err != first {
		t.Fatalf("got %v, want the first attempt's Unknown", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	err = tr.Do(ctx, Call{Op: "op", Kind: KeyedWrite}, func(context.Context, int) error {
		cancel() // the caller gives up while the first answer is missing
		return first
	})
	if err != first {
		t.Fatalf("cancelled during backoff: got %v, want the first attempt's Unknown", err)
	}
}

func TestBudgetBoundsAttemptsAndWaits(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	tr := newTestTransport(srv.URL, nil)
	tr.SetRetry(RetryPolicy{Attempts: 5, Base: time.Millisecond})
	start := time.Now()
	err := tr.Do(context.Background(), Call{Op: "op", Kind: Read, Budget: 150 * time.Millisecond}, func(ctx context.Context, _ int) error {
		_, err := tr.Send(ctx, "op", Read, &Request{Path: "/slow"})
		return err
	})
	took := time.Since(start)
	if !IsUnknown(err) || !errors.Is(err, context.DeadlineExceeded) || took > 2*time.Second {
		t.Fatalf("err=%v after %v", err, took)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests: the budget is spent by the first attempt", hits.Load())
	}
}

func TestBackoffStaysWithinWindow(t *testing.T) {
	p := RetryPolicy{Base: 100 * time.Millisecond, Max: time.Second}
	for attempt := 1; attempt < 30; attempt++ {
		d := p.Backoff(attempt)
		if d < 50*time.Millisecond || d > time.Second {
			t.Fatalf("attempt %d backoff %v outside [50ms, 1s]", attempt, d)
		}
	}
}

func TestBadBaseURLSendsNothing(t *testing.T) {
	for _, base := range []string{"", "not a url", "/relative"} {
		err := call(newTestTransport(base, nil), context.Background(), Write)
		if !IsRejected(err) || !errors.Is(err, ErrNotSent) {
			t.Errorf("%q: %v", base, err)
		}
	}
}

func TestStatusOutcome(t *testing.T) {
	for status, want := range map[int]Outcome{200: Unknown, 302: Unknown, 400: Rejected, 401: Rejected, 403: Rejected,
		404: Rejected, 408: Unknown, 409: Unknown, 429: Unknown, 500: Unknown, 502: Unknown, 504: Unknown} {
		if got := StatusOutcome(status); got != want {
			t.Errorf("HTTP %d: %v, want %v", status, got, want)
		}
	}
}

func TestOutcomeHelpers(t *testing.T) {
	e := &Error{Provider: "oy", Op: "remit", Code: "999", Outcome: Unknown, Message: "m", Err: context.DeadlineExceeded}
	wrapped := errors.Join(errors.New("context"), e)
	if OutcomeOf(nil) != Succeeded || OutcomeOf(wrapped) != Unknown || OutcomeOf(errors.New("plain")) != Unknown {
		t.Error("OutcomeOf")
	}
	if !IsUnknown(wrapped) || IsRejected(wrapped) || IsPending(wrapped) || IsUnknown(nil) {
		t.Error("Is helpers")
	}
	if CodeOf(wrapped) != "999" || MessageOf(wrapped) != "m" || CodeOf(errors.New("x")) != "" {
		t.Error("CodeOf/MessageOf")
	}
	if !errors.Is(wrapped, context.DeadlineExceeded) {
		t.Error("Unwrap")
	}
	if Explain("oy", "remit", wrapped) != e || Explain("oy", "remit", nil) != nil {
		t.Error("Explain must find the *Error")
	}
	if x := Explain("oy", "remit", io.ErrUnexpectedEOF); x.Outcome != Unknown || !errors.Is(x, io.ErrUnexpectedEOF) || x.Message == "" {
		t.Errorf("Explain of a plain error: %v", x)
	}
	if got := e.Error(); got != "oy: remit: m (code 999, context deadline exceeded, outcome unknown)" {
		t.Errorf("Error() = %q", got)
	}
}

func TestDebugLogsAreRedacted(t *testing.T) {
	const (
		apiKey    = "KEY-9f8e7d"
		signature = "SIG-a1b2c3"
		password  = "PW-445566"
		token     = "TOK-778899"
		session   = "SESSION-1234"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"responseCode":"2007300","accessToken":"`+token+`","redirectURL":"https://pay.example/x?session=`+session+`","amount":"125000"}`)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := strings.Replace(srv.URL, "http://", "http://user:"+password+"@", 1)
	tr := newTestTransport(base, log)
	h := http.Header{}
	h.Set("X-Api-Key", apiKey)
	h.Set("Authorization", "Bearer "+token)
	h.Set("X-SIGNATURE", signature)
	h.Set("X-TIMESTAMP", "2026-12-02T08:00:00+07:00")
	body := []byte(`{"partner_trx_id":"DSB-1","amount":125000,"signature":"` + signature + `","auth":{"password":"` + password + `"},"tokenId":"` + token + `"}`)
	r, err := tr.Send(context.Background(), "remit", KeyedWrite, &Request{Path: "/api/remit",
		Query: url.Values{"token": {token}, "page": {"2"}}, Header: h, Body: body})
	if err != nil || r.Status != 200 {
		t.Fatalf("send: %v", err)
	}
	out := logs.String()
	for _, secret := range []string{apiKey, signature, password, token, session} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q in the debug log:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"DSB-1", "125000", "2026-12-02T08:00:00+07:00", "page=2", "/api/remit", `"op":"remit"`, "X-Api-Key"} {
		if !strings.Contains(out, kept) {
			t.Errorf("%q missing from the debug log:\n%s", kept, out)
		}
	}

	// A transport failure through a base URL with a password keeps it out of
	// the error text.
	dead := newTestTransport("http://user:"+password+"@127.0.0.1:1", log)
	_, err = dead.Send(context.Background(), "remit", Write, &Request{Path: "/api/remit?token=" + token})
	if !IsUnknown(err) || strings.Contains(err.Error(), password) || strings.Contains(err.Error(), token) {
		t.Errorf("transport error: %v", err)
	}
	if strings.Contains(logs.String(), password) {
		t.Errorf("password in the log:\n%s", logs.String())
	}
}
