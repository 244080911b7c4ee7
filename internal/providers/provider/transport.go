package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Kind says what a call may do to the money, which decides whether the
// transport may repeat it and how a missing answer is worded.
type Kind int

const (
	// Read moves nothing (balances, inquiries, status questions, token
	// fetches): repeated freely when the answer is missing or the provider
	// is busy.
	Read Kind = iota + 1
	// Write may move money or change an account and carries no idempotency
	// key the provider honours: sent exactly once.
	Write
	// KeyedWrite may move money but carries an idempotency key the provider
	// honours (OY's partner_trx_id): it may be repeated with the same key.
	KeyedWrite
)

// Repeatable reports whether the transport may send a call of this kind again.
func (k Kind) Repeatable() bool { return k == Read || k == KeyedWrite }

func (k Kind) String() string {
	switch k {
	case Read:
		return "read"
	case Write:
		return "write"
	case KeyedWrite:
		return "keyed write"
	}
	return "unset"
}

// RetryPolicy bounds the attempts of a repeatable call. The zero value makes
// one attempt.
type RetryPolicy struct {
	Attempts int           // total attempts, including the first
	Base     time.Duration // first backoff; doubled each time
	Max      time.Duration // cap for one backoff
}

// DefaultRetry: three attempts within about two seconds of waiting.
var DefaultRetry = RetryPolicy{Attempts: 3, Base: 200 * time.Millisecond, Max: 2 * time.Second}

// Backoff is the wait after the given attempt: jitter over the upper half of
// an exponentially growing window, so that clients do not retry in step.
func (p RetryPolicy) Backoff(attempt int) time.Duration {
	base := p.Base
	if base <= 0 {
		base = 100 * time.Millisecond
	}
	window := base << min(max(attempt-1, 0), 20)
	if p.Max > 0 && window > p.Max {
		window = p.Max
	}
	return window/2 + rand.N(window/2+1)
}

// DefaultTimeout bounds one HTTP attempt.
const DefaultTimeout = 30 * time.Second

// DefaultMaxBody caps how much of an answer is read; provider answers are small.
const DefaultMaxBody = 1 << 20

// Config describes one provider's transport.
type Config struct {
	Provider   string        // "oy": prefix of errors, "provider" in logs
	Name       string        // "OY": the name in clerk sentences
	BaseURL    string        // scheme://host[/prefix]; paths are appended
	Timeout    time.Duration // one attempt; DefaultTimeout when zero
	Retry      RetryPolicy   // for repeatable calls
	MaxBody    int64         // DefaultMaxBody when zero
	HTTPClient *http.Client  // SharedHTTPClient when nil
	Logger     *slog.Logger  // discarded when nil
}

// Transport is the one HTTP path of every provider client: a per-attempt
// deadline, an optional total budget, retries only where harmless, one rule
// for cancellations and timeouts, and redacted logs. Safe for concurrent use.
type Transport struct {
	cfg  Config
	http *http.Client
	log  *slog.Logger
}

// SharedHTTPClient is the HTTP client every provider uses unless told
// otherwise: bounded dials and TLS handshakes, pooled connections, and no
// redirects (a provider API never redirects; following a 307 would resend a
// payment to another address).
var SharedHTTPClient = newHTTPClient()

func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.MaxIdleConnsPerHost = 8
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// NewTransport builds a Transport; missing settings get their defaults.
func NewTransport(cfg Config) *Transport {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Name == "" {
		cfg.Name = cfg.Provider
	}
	t := &Transport{cfg: cfg, http: cfg.HTTPClient, log: cfg.Logger}
	if t.http == nil {
		t.http = SharedHTTPClient
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	return t
}

// SetRetry changes the retry policy (client options run after NewTransport).
func (t *Transport) SetRetry(p RetryPolicy) { t.cfg.Retry = p }

// Retry is the retry policy in force.
func (t *Transport) Retry() RetryPolicy { return t.cfg.Retry }

// BaseURL is the base every path is appended to.
func (t *Transport) BaseURL() string { return t.cfg.BaseURL }

// Name is the provider's name as clerk sentences write it.
func (t *Transport) Name() string { return t.cfg.Name }

// Logger is the transport's logger, for a provider's own log lines.
func (t *Transport) Logger() *slog.Logger { return t.log }

// Call describes one provider operation for Do.
type Call struct {
	Op   string
	Kind Kind
	// Again reports whether a failed attempt is worth repeating, e.g. the
	// provider's "busy, try again" codes. Nil means Retryable. It is only
	// consulted when Kind is repeatable: a Write is never sent twice.
	Again func(error) bool
	// Budget bounds the whole operation: every attempt and every wait. Zero
	// leaves only the caller's context and the per-attempt timeout.
	Budget time.Duration
}

// Retryable is the default repeat rule: the answer is missing or
// untrustworthy (Unknown), and the caller has not cancelled.
func Retryable(err error) bool {
	return IsUnknown(err) && !errors.Is(err, context.Canceled)
}

// Do runs one operation: attempt sends one request (with Send) and
// interprets the answer; Do repeats it while the call's Kind permits, Again
// agrees and attempts remain, waiting a jittered backoff in between.
//
// The cancellation rule lives here and in Send: a context that ends before
// the first request leaves this process gives Rejected (nothing was sent);
// once a request may have reached the provider, a missing answer is Unknown,
// and a later attempt that is never sent does not hide it.
func (t *Transport) Do(ctx context.Context, c Call, attempt func(ctx context.Context, n int) error) error {
	if c.Budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Budget)
		defer cancel()
	}
	attempts := 1
	if c.Kind.Repeatable() {
		attempts = max(t.cfg.Retry.Attempts, 1)
	}
	again := c.Again
	if again == nil {
		again = Retryable
	}
	var last error
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			if last != nil {
				return last
			}
			return t.cancelled(c.Op, err)
		}
		err := attempt(ctx, n)
		if err == nil {
			return nil
		}
		if last != nil && errors.Is(err, ErrNotSent) {
			// This attempt never left, but an earlier one may have arrived.
			return last
		}
		last = err
		if n >= attempts || !again(err) {
			return err
		}
		timer := time.NewTimer(t.cfg.Retry.Backoff(n))
		select {
		case <-ctx.Done():
			timer.Stop()
			return err
		case <-timer.C:
		}
	}
}

// Request is one HTTP request to the provider.
type Request struct {
	Method string // POST when empty
	Path   string // appended to the base URL
	Query  url.Values
	Header http.Header // provider headers: credentials, signatures
	Body   []byte      // nil for none
}

// Response is one HTTP answer, read in full.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Send performs one HTTP exchange for op. Every failure is an *Error:
// Rejected (with ErrNotSent) when the context had already ended or the
// address is unusable; Unknown when the request went out and no complete
// answer came back (timeout, cancellation, connection failure, cut-off or
// oversized body). Any complete answer, whatever its status, is returned for
// the provider to interpret.
func (t *Transport) Send(ctx context.Context, op string, kind Kind, r *Request) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, t.cancelled(op, err)
	}
	u, err := t.url(r.Path, r.Query)
	if err != nil {
		return nil, t.NotSent(op, "The "+t.cfg.Name+" address in the settings is not valid; nothing was sent.", err)
	}
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, t.NotSent(op, "The "+t.cfg.Name+" address in the settings is not valid; nothing was sent.", redactURLError(err))
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if req.Header.Get("Content-Type") == "" && r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	attrs := []slog.Attr{slog.String("provider", t.cfg.Provider), slog.String("op", op),
		slog.String("method", method), slog.String("path", r.Path)}
	if t.log.Enabled(ctx, slog.LevelDebug) {
		t.log.LogAttrs(ctx, slog.LevelDebug, "provider request", append(attrs,
			slog.String("query", redactQuery(r.Query)), slog.Any("header", redactHeader(req.Header)),
			slog.String("body", redactBody(r.Body)))...)
	}
	start := time.Now()
	resp, err := t.http.Do(req)
	if err != nil {
		err = redactURLError(err)
		t.log.LogAttrs(ctx, slog.LevelWarn, "provider call failed", append(attrs,
			slog.Duration("took", time.Since(start)), slog.String("error", err.Error()))...)
		return nil, t.noAnswer(op, kind, 0, "", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, t.cfg.MaxBody+1))
	attrs = append(attrs, slog.Int("http_status", resp.StatusCode), slog.Duration("took", time.Since(start)))
	if err != nil {
		err = redactURLError(err)
		t.log.LogAttrs(ctx, slog.LevelWarn, "provider call failed", append(attrs, slog.String("error", err.Error()))...)
		return nil, t.noAnswer(op, kind, resp.StatusCode, "cut off", err)
	}
	if int64(len(raw)) > t.cfg.MaxBody {
		t.log.LogAttrs(ctx, slog.LevelWarn, "provider call failed", append(attrs, slog.String("error", "answer too large"))...)
		return nil, t.noAnswer(op, kind, resp.StatusCode, "too large", nil)
	}
	t.log.LogAttrs(ctx, slog.LevelInfo, "provider call", attrs...)
	if t.log.Enabled(ctx, slog.LevelDebug) {
		t.log.LogAttrs(ctx, slog.LevelDebug, "provider answer", append(attrs,
			slog.Any("header", redactHeader(resp.Header)), slog.String("body", redactBody(raw)))...)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}

func (t *Transport) url(path string, query url.Values) (string, error) {
	base, err := url.Parse(t.cfg.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return "", errors.New("bad base URL")
	}
	u := t.cfg.BaseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u, nil
}

// NotSent is the Rejected error for a request that was never sent.
func (t *Transport) NotSent(op, message string, cause error) *Error {
	return NotSent(t.cfg.Provider, op, message, cause)
}

// cancelled is the error for a context that ended before anything was sent.
func (t *Transport) cancelled(op string, cause error) *Error {
	msg := "The request to " + t.cfg.Name + " was cancelled before it was sent; nothing was sent."
	if errors.Is(cause, context.DeadlineExceeded) {
		msg = "There was no time left to ask " + t.cfg.Name + "; nothing was sent."
	}
	return t.NotSent(op, msg, cause)
}

// noAnswer is the Unknown error for a request that went out without a
// complete answer coming back.
func (t *Transport) noAnswer(op string, kind Kind, status int, what string, cause error) *Error {
	name := t.cfg.Name
	var msg string
	switch {
	case what == "cut off":
		msg = name + "'s answer was cut off; "
	case what == "too large":
		msg = name + "'s answer was unexpectedly large and was not read; "
	case errors.Is(cause, context.DeadlineExceeded) || isTimeout(cause):
		msg = name + " did not answer in time; "
	case errors.Is(cause, context.Canceled):
		msg = "The request to " + name + " was cancelled before its answer arrived; "
	default:
		msg = name + " did not answer; "
	}
	return &Error{Provider: t.cfg.Provider, Op: op, HTTPStatus: status, Outcome: Unknown, Err: cause,
		Message: msg + UnknownAdvice(kind)}
}

// UnknownAdvice ends every Unknown sentence: what the clerk may do next.
func UnknownAdvice(kind Kind) string {
	if kind == Read {
		return "nothing was moved; try again in a moment."
	}
	return "the request may or may not have gone through. Check its status before doing anything else; never send it again as a new request."
}

// StatusOutcome is what an HTTP status alone (no readable answer) means: a
// 4xx refusal is Rejected, except 408 (timeout), 409 (conflict with an
// earlier request) and 429 (may be a gateway's guess); anything else is
// Unknown.
func StatusOutcome(status int) Outcome {
	if status >= 400 && status < 500 && status != http.StatusRequestTimeout &&
		status != http.StatusConflict && status != http.StatusTooManyRequests {
		return Rejected
	}
	return Unknown
}

// BadAnswer is the error for a complete HTTP answer that is not what the
// provider documents (HTML, empty, truncated JSON, no code).
func (t *Transport) BadAnswer(op string, kind Kind, status int, cause error) *Error {
	name := t.cfg.Name
	e := &Error{Provider: t.cfg.Provider, Op: op, HTTPStatus: status, Err: cause, Outcome: StatusOutcome(status)}
	switch {
	case e.Outcome == Rejected && (status == http.StatusUnauthorized || status == http.StatusForbidden):
		e.Message = fmt.Sprintf("%s refused our credentials or this server's IP address (HTTP %d); nothing was done. Check the %s settings.", name, status, name)
	case e.Outcome == Rejected:
		e.Message = fmt.Sprintf("%s refused the request (HTTP %d); nothing was done.", name, status)
	case status >= 500:
		e.Message = fmt.Sprintf("%s had a server problem (HTTP %d); %s", name, status, UnknownAdvice(kind))
	default:
		e.Message = name + "'s answer could not be read; " + UnknownAdvice(kind)
	}
	return e
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// redactURLError replaces a *url.Error by its operation and cause with the
// URL's userinfo and query removed: a base URL may carry a password, a query
// an identifier. errors.Is still finds the cause (context.DeadlineExceeded…).
func redactURLError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	where := "provider"
	if u, perr := url.Parse(ue.URL); perr == nil {
		u.User, u.RawQuery, u.Fragment = nil, "", ""
		where = u.String()
	}
	return fmt.Errorf("%s %s: %w", ue.Op, where, ue.Err)
}
