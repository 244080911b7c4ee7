package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
)

// Mock recipient accounts from the OY page's "Mock number Staging API"
// tables, plus the sandbox's own slow account.
const (
	AccountInternalError   = "1234567890" // remit → 999 (every time), remit-status → 999
	AccountDuplicate       = "1111111111" // remit → 203
	AccountBankCodeMissing = "2222222222" // inquiry, remit → 205
	AccountTxIDNotFound    = "3333333333" // remit → 204
	AccountUserNotFound    = "4444444444" // remit → 201
	AccountUserNotActive   = "5555555555" // remit → 202
	AccountInProgress      = "6666666666" // remit 101, then remit-status → 102 for ever
	AccountFailed          = "7777777777" // remit 101, then 300 + callback
	AccountNotFound        = "8888888888" // inquiry → 209; remit 101, then 209 + callback
	AccountSuspect         = "9999999999" // remit 101, then remit-status → 301 for ever
	// AccountSlow is not OY's: every inquiry and remit for it is answered
	// only after Options.SlowDelay (default 35 s, longer than the client's
	// default 30 s timeout). A remit is recorded before the wait, as when a
	// real answer is lost on the way back.
	AccountSlow = "5040504050"
)

// Options configures the sandbox.
type Options struct {
	Username string // checked against X-OY-Username (201 otherwise)
	APIKey   string // checked against X-Api-Key (208 otherwise)
	// PublicURL is the absolute URL of the sandbox root, used for payment
	// links, e.g. "http://127.0.0.1:8080/sandbox/oy".
	PublicURL string

	DisbursementCallbackURL string // full URL, may carry ?token=
	VACallbackURL           string
	CheckoutCallbackURL     string
	HTTPClient              *http.Client // for callbacks

	SettleDelay        time.Duration // 101 → final; default 3 s
	CallbackAttempts   int           // default 3
	CallbackRetryDelay time.Duration // default 1 s

	StartBalance   int64 // partner balance; default 100,000,000
	MaxAmountPerTx int64 // above it a remit answers 215; default 100,000,000
	// SlowAccounts maps a recipient account to how long its inquiry and
	// remit answers wait; AccountSlow is always slow (SlowDelay).
	SlowAccounts map[string]time.Duration
	SlowDelay    time.Duration // default 35 s

	Logger *slog.Logger
}

// Sandbox is OY's partner API in memory. It implements http.Handler.
type Sandbox struct {
	opts   Options
	mux    *http.ServeMux
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu            sync.Mutex
	closed        bool
	slow          map[string]time.Duration
	balance       int64
	pending       int64
	disbursements map[string]*disbursement // by partner_trx_id
	vas           map[string]*virtualAccount
	vaByNumber    map[string]*virtualAccount
	links         map[string]*paymentLink // by partner_tx_id
	linksByID     map[string]*paymentLink
}

// New builds a sandbox; call Close when done.
func New(opts Options) *Sandbox {
	if opts.SettleDelay <= 0 {
		opts.SettleDelay = 3 * time.Second
	}
	if opts.CallbackAttempts <= 0 {
		opts.CallbackAttempts = 3
	}
	if opts.CallbackRetryDelay <= 0 {
		opts.CallbackRetryDelay = time.Second
	}
	if opts.StartBalance == 0 {
		opts.StartBalance = 100_000_000
	}
	if opts.MaxAmountPerTx <= 0 {
		opts.MaxAmountPerTx = 100_000_000
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = 35 * time.Second
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	s := &Sandbox{
		opts:          opts,
		mux:           http.NewServeMux(),
		log:           opts.Logger,
		slow:          map[string]time.Duration{AccountSlow: opts.SlowDelay},
		balance:       opts.StartBalance,
		disbursements: map[string]*disbursement{},
		vas:           map[string]*virtualAccount{},
		vaByNumber:    map[string]*virtualAccount{},
		links:         map[string]*paymentLink{},
		linksByID:     map[string]*paymentLink{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for acc, d := range opts.SlowAccounts {
		s.slow[acc] = d
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.routes()
	return s
}

func (s *Sandbox) routes() {
	s.mux.HandleFunc("POST /api/inquiry", s.coded(s.handleInquiry))
	s.mux.HandleFunc("POST /api/remit", s.coded(s.handleRemit))
	s.mux.HandleFunc("POST /api/remit-status", s.coded(s.handleRemitStatus))
	s.mux.HandleFunc("GET /api/balance", s.coded(s.handleBalance))
	s.vaRoutes()
	s.checkoutRoutes()
}

// ServeHTTP serves OY's paths relative to the sandbox root.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Close stops settlements and callbacks and waits for them.
func (s *Sandbox) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// SetSlow makes inquiry and remit answers for account wait d (0 removes it).
func (s *Sandbox) SetSlow(account string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.slow, account)
		return
	}
	s.slow[account] = d
}

// wait sleeps for the account's delay unless the request or sandbox ends.
func (s *Sandbox) wait(r *http.Request, account string) {
	s.mu.Lock()
	d := s.slow[account]
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-s.ctx.Done():
	}
}

// later runs fn after d in a tracked goroutine; false once closed.
// Callers hold no lock.
func (s *Sandbox) later(d time.Duration, fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-s.ctx.Done():
				return
			}
		}
		fn()
	}()
	return true
}

// postCallback POSTs payload as JSON to url, retrying on failure.
func (s *Sandbox) postCallback(kind, url string, payload any) {
	if url == "" {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		s.log.Error("oy sandbox: callback not encoded", "kind", kind, "error", err)
		return
	}
	s.later(0, func() {
		for attempt := 1; attempt <= s.opts.CallbackAttempts; attempt++ {
			if attempt > 1 {
				t := time.NewTimer(s.opts.CallbackRetryDelay)
				select {
				case <-t.C:
				case <-s.ctx.Done():
					t.Stop()
					return
				}
			}
			req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, url, bytes.NewReader(body))
			if err != nil {
				s.log.Error("oy sandbox: bad callback URL", "kind", kind)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := s.opts.HTTPClient.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
				resp.Body.Close()
				if resp.StatusCode < 300 {
					s.log.Info("oy sandbox: callback delivered", "kind", kind, "attempt", attempt)
					return
				}
				err = fmt.Errorf("HTTP %d", resp.StatusCode)
			}
			s.log.Warn("oy sandbox: callback failed", "kind", kind, "attempt", attempt, "error", err)
		}
	})
}

// coded wraps handlers of the {"status":{code,message}} family with the
// credential check OY documents (201 unknown user, 208 bad API key).
func (s *Sandbox) coded(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if code, msg, ok := s.authorized(r); !ok {
			writeJSON(w, http.StatusOK, map[string]any{"status": status(code, msg), "timestamp": stamp(now())})
			return
		}
		h(w, r)
	}
}

func (s *Sandbox) authorized(r *http.Request) (code, msg string, ok bool) {
	if s.opts.Username == "" || r.Header.Get("X-OY-Username") != s.opts.Username {
		return "201", "User is not found", false
	}
	if s.opts.APIKey == "" || r.Header.Get("X-Api-Key") != s.opts.APIKey {
		return "208", "API Key is not Valid", false
	}
	return "", "", true
}

func status(code, msg string) map[string]string {
	return map[string]string{"code": code, "message": msg}
}

func writeJSON(w http.ResponseWriter, httpStatus int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_ = json.NewEncoder(w).Encode(v)
}

func now() time.Time { return time.Now().In(oy.Jakarta) }

func stamp(t time.Time) string { return t.In(oy.Jakarta).Format(oy.LayoutDisbursement) }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// body is a decoded request; OY's own samples send numbers and booleans
// both bare and quoted, so the getters accept both.
type body map[string]any

// readBody reads a JSON body of up to 8 MB: an invoice carries its PDF
// attachment in base64, and one over OY's 2 MB must still be read to be refused.
func readBody(r *http.Request) (body, error) {
	dec := json.NewDecoder(io.LimitReader(r.Body, 8<<20))
	dec.UseNumber()
	var b body
	if err := dec.Decode(&b); err != nil {
		return nil, err
	}
	if b == nil {
		b = body{}
	}
	return b, nil
}

func (b body) has(k string) bool { v, ok := b[k]; return ok && v != nil }

func (b body) str(k string) string {
	switch v := b[k].(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case bool:
		return fmt.Sprint(v)
	}
	return ""
}

// amount parses whole rupiah; ok=false for a missing, fractional or non-number value.
func (b body) amount(k string) (int64, bool) {
	s := b.str(k)
	if s == "" {
		return 0, false
	}
	v, err := money.ParseDecimal(s)
	return v, err == nil
}

func (b body) boolean(k string, def bool) bool {
	switch strings.ToLower(b.str(k)) {
	case "true":
		return true
	case "false":
		return false
	}
	return def
}

func numeric(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
