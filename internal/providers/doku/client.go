// Package doku is the client for DOKU's SNAP "OVO Open API" (direct debit):
// B2B and B2B2C access tokens, OVO account binding, balance inquiry,
// host-to-host payment and unbinding, plus verification of the token request
// and payment notification DOKU sends to the merchant (callback.go).
//
// Signatures: token requests are signed SHA256withRSA over
// clientId|X-TIMESTAMP with the merchant's private key; transaction requests
// with HMAC-SHA512 over METHOD:path:token:sha256(body):X-TIMESTAMP and the
// client secret. Paths live in one table (paths.go) with both the archived
// /direct-debit/merchant/ovo/v1.0 set and the current /direct-debit/core/v1
// set; Config.PathSet picks one.
package doku

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"backoffice/internal/providers/provider"
)

// Hosts of DOKU's API.
const (
	SandboxBaseURL    = "https://api-sandbox.doku.com"
	ProductionBaseURL = "https://api.doku.com"
)

// Config holds the merchant's DOKU credentials. ClientID, SecretKey and
// PrivateKey are secrets and never logged.
type Config struct {
	BaseURL        string // e.g. SandboxBaseURL, or the built-in sandbox
	ClientID       string // X-CLIENT-KEY / X-PARTNER-ID
	SecretKey      string // client secret for HMAC-SHA512
	PrivateKey     *rsa.PrivateKey
	DokuPublicKey  *rsa.PublicKey // verifies DOKU's token requests to the merchant
	PathSet        PathSet        // default PathSetCurrent
	ChannelID      string         // CHANNEL-ID header, default "H2H"
	DeviceID       string         // default X-DEVICE-ID when a call names none
	IPAddress      string         // default X-IP-ADDRESS when a call names none
	Timeout        time.Duration  // per request, default 30s
	HTTPClient     *http.Client   // provider.SharedHTTPClient when nil
	Logger         *slog.Logger
	MaxAnswerBytes int64 // default 1 MiB
}

// Option changes a Client beyond its Config (mostly for tests).
type Option func(*Client)

// WithClock replaces time.Now.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithExternalIDs replaces the X-EXTERNAL-ID generator.
func WithExternalIDs(next func() string) Option { return func(c *Client) { c.nextExternalID = next } }

// WithRetry sets the policy for calls that are safe to repeat.
func WithRetry(p provider.RetryPolicy) Option { return func(c *Client) { c.t.SetRetry(p) } }

// WithRefreshMargin sets how long before expiry the B2B token is renewed
// (default 60s, at most a tenth of the token's life).
func WithRefreshMargin(d time.Duration) Option { return func(c *Client) { c.refreshMargin = d } }

// Client calls DOKU. It is safe for concurrent use.
type Client struct {
	cfg            Config
	t              *provider.Transport
	now            func() time.Time
	nextExternalID func() string
	refreshMargin  time.Duration

	tokenMu   sync.Mutex
	token     AccessToken
	prevToken AccessToken   // the token the current one replaced, still valid at DOKU
	fetching  chan struct{} // one token fetch at a time; waiting honours ctx
}

// New builds a Client.
func New(cfg Config, opts ...Option) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = SandboxBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.PathSet == "" {
		cfg.PathSet = PathSetCurrent
	}
	if cfg.ChannelID == "" {
		cfg.ChannelID = "H2H"
	}
	// DOKU refuses a transaction without these; the app sets real values
	// (DOKU_DEVICE_ID, DOKU_IP_ADDRESS), these only keep a bare client working.
	if cfg.DeviceID == "" {
		cfg.DeviceID = "backoffice-dashboard"
	}
	if cfg.IPAddress == "" {
		cfg.IPAddress = "127.0.0.1"
	}
	c := &Client{
		cfg: cfg,
		t: provider.NewTransport(provider.Config{Provider: "doku", Name: "DOKU", BaseURL: cfg.BaseURL,
			Timeout: cfg.Timeout, Retry: provider.DefaultRetry, MaxBody: cfg.MaxAnswerBytes,
			HTTPClient: cfg.HTTPClient, Logger: cfg.Logger}),
		now:           time.Now,
		refreshMargin: time.Minute,
		fetching:      make(chan struct{}, 1),
	}
	c.nextExternalID = c.defaultExternalID
	for _, o := range opts {
		o(c)
	}
	return c
}

// VerifyTokenRequest checks DOKU's token request to the merchant with this
// client's id and Config.DokuPublicKey (see the package-level function).
func (c *Client) VerifyTokenRequest(header http.Header, body []byte, now time.Time) error {
	return VerifyTokenRequest(header, body, c.cfg.DokuPublicKey, c.cfg.ClientID, now)
}

// NotificationVerifier is the default notification signature check:
// HMAC-SHA512 with this client's secret, over the token the merchant
// issued DOKU or the merchant's own B2B token from DOKU.
func (c *Client) NotificationVerifier() SignatureVerifier {
	return HMACVerifier{Secret: c.cfg.SecretKey, OwnTokens: c.OwnB2BTokens}
}

// OwnB2BTokens are the B2B tokens DOKU gave this merchant that have not
// expired: the current one and the one it replaced.
func (c *Client) OwnB2BTokens() []string {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	now := c.now()
	var out []string
	for _, t := range []AccessToken{c.token, c.prevToken} {
		if t.Token != "" && now.Before(t.ExpiresAt) {
			out = append(out, t.Token)
		}
	}
	return out
}

// PathSet reports the path family in use.
func (c *Client) PathSet() PathSet { return c.cfg.PathSet }

var externalSeq atomic.Uint64

// defaultExternalID makes a numeric X-EXTERNAL-ID unique per day: the WIB
// time of day to the millisecond, a process counter and random digits (so
// that two processes do not collide).
func (c *Client) defaultExternalID() string {
	t := c.now().In(wib)
	r, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		r = big.NewInt(0)
	}
	return fmt.Sprintf("%s%03d%06d%06d", t.Format("150405"), t.Nanosecond()/1e6, externalSeq.Add(1)%1_000_000, r.Int64())
}

// ---- tokens ----

// AccessTokenB2B returns the cached B2B token, fetching a new one when none
// is cached or it expires within the refresh margin. Concurrent callers share
// one fetch.
func (c *Client) AccessTokenB2B(ctx context.Context) (*AccessToken, error) {
	if t, ok := c.cachedToken(); ok {
		return &t, nil
	}
	select {
	case c.fetching <- struct{}{}:
	case <-ctx.Done():
		return nil, c.t.NotSent("access-token-b2b", "Gave up waiting for a DOKU access token; nothing was sent.", ctx.Err())
	}
	defer func() { <-c.fetching }()
	if t, ok := c.cachedToken(); ok {
		return &t, nil
	}
	var tok *AccessToken
	err := c.t.Do(ctx, provider.Call{Op: "access-token-b2b", Kind: provider.Read, Again: retryable}, func(ctx context.Context, _ int) error {
		var err error
		tok, err = c.fetchB2BToken(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.tokenMu.Lock()
	if c.token.Token != "" && c.token.Token != tok.Token {
		c.prevToken = c.token
	}
	c.token = *tok
	c.tokenMu.Unlock()
	return tok, nil
}

func (c *Client) cachedToken() (AccessToken, bool) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	t := c.token
	if t.Token == "" {
		return t, false
	}
	margin := min(c.refreshMargin, t.ExpiresIn/10)
	return t, c.now().Before(t.ExpiresAt.Add(-margin))
}

// forgetToken drops the cached token if it is still tok (DOKU said it is invalid).
func (c *Client) forgetToken(tok string) {
	c.tokenMu.Lock()
	if c.token.Token == tok {
		c.token = AccessToken{}
	}
	c.tokenMu.Unlock()
}

func (c *Client) fetchB2BToken(ctx context.Context) (*AccessToken, error) {
	const op = "access-token-b2b"
	var out tokenResponse
	if _, err := c.tokenCall(ctx, op, provider.Read, EndpointTokenB2B, tokenRequest{GrantType: "client_credentials"}, &out); err != nil {
		return nil, err
	}
	if out.AccessToken == "" {
		return nil, &provider.Error{Provider: "doku", Op: op, Code: out.ResponseCode, ProviderMessage: out.ResponseMessage, Message: "DOKU's token answer carried no token.", Outcome: provider.Rejected}
	}
	life := time.Duration(out.ExpiresIn) * time.Second
	if life <= 0 {
		life = 900 * time.Second
	}
	return &AccessToken{Token: out.AccessToken, TokenType: out.TokenType, ExpiresIn: life, ExpiresAt: c.now().Add(life)}, nil
}

// AccessTokenB2B2C exchanges a binding's authCode for the customer token that
// stands for the linked OVO account. Not retried: an authCode works once.
func (c *Client) AccessTokenB2B2C(ctx context.Context, p *CustomerTokenParams) (*CustomerToken, error) {
	const op = "access-token-b2b2c"
	if p == nil || strings.TrimSpace(p.AuthCode) == "" {
		return nil, invalidParams(op, "The OVO link code (authCode) is missing.")
	}
	var out tokenResponse
	if _, err := c.tokenCall(ctx, op, provider.Write, EndpointTokenB2B2C, tokenRequest{GrantType: "authorization_code", AuthCode: p.AuthCode}, &out); err != nil {
		return nil, err
	}
	if out.AccessToken == "" {
		return nil, &provider.Error{Provider: "doku", Op: op, Code: out.ResponseCode, ProviderMessage: out.ResponseMessage, Message: "DOKU's customer token answer carried no token.", Outcome: provider.Unknown}
	}
	ct := &CustomerToken{
		AccessToken: out.AccessToken, TokenType: out.TokenType, RefreshToken: out.RefreshToken,
		RawAccessTokenExpiry: out.AccessTokenExpiryTime, RawRefreshTokenExpiry: out.RefreshTokenExpiryTime,
		ResponseCode: out.ResponseCode,
	}
	if t, err := ParseTimestamp(out.AccessTokenExpiryTime); err == nil {
		ct.AccessTokenExpiresAt = t
	}
	if t, err := ParseTimestamp(out.RefreshTokenExpiryTime); err == nil {
		ct.RefreshTokenExpiresAt = t
	}
	return ct, nil
}

// tokenCall sends an asymmetrically signed token request.
func (c *Client) tokenCall(ctx context.Context, op string, kind provider.Kind, ep Endpoint, body any, out any) (int, error) {
	ts := FormatTimestamp(c.now())
	sig, err := SignToken(c.cfg.PrivateKey, c.cfg.ClientID, ts)
	if err != nil {
		return 0, c.t.NotSent(op, "The DOKU private key is missing or unusable; check DOKU_PRIVATE_KEY_FILE. Nothing was sent.", err)
	}
	h := http.Header{}
	h.Set("X-CLIENT-KEY", c.cfg.ClientID)
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", sig)
	return c.send(ctx, op, kind, Path(c.cfg.PathSet, ep), h, body, out)
}

// ---- transactions ----

// BindAccount starts linking an OVO account; send the customer to RedirectURL.
func (c *Client) BindAccount(ctx context.Context, p *BindParams) (*Binding, error) {
	const op = "account-binding"
	if p == nil || strings.TrimSpace(p.PhoneNo) == "" {
		return nil, invalidParams(op, "The OVO phone number is missing.")
	}
	req := bindingRequest{PhoneNo: p.PhoneNo, AdditionalInfo: bindingRequestAddInfo{
		Channel: ChannelOVO, CustIDMerchant: p.CustIDMerchant,
		SuccessRegistrationURL: p.SuccessRegistrationURL, FailedRegistrationURL: p.FailedRegistrationURL,
	}}
	var out bindingResponse
	ext, err := c.transaction(ctx, op, provider.Write, EndpointBinding, p.Device, "", "", req, &out)
	if err != nil {
		return nil, err
	}
	return &Binding{
		ResponseCode: out.ResponseCode, ResponseMessage: out.ResponseMessage, ReferenceNo: out.ReferenceNo,
		RedirectURL: out.RedirectURL, CustIDMerchant: out.AdditionalInfo.CustIDMerchant,
		Status: out.AdditionalInfo.Status, AuthCode: out.AdditionalInfo.AuthCode, ExternalID: ext,
	}, nil
}

// BalanceInquiry reads the balance of a linked OVO account. Retried on
// timeouts and 5xx, since reading moves no money.
func (c *Client) BalanceInquiry(ctx context.Context, p *BalanceParams) (*Balance, error) {
	const op = "balance-inquiry"
	if p == nil || p.CustomerToken == "" {
		return nil, invalidParams(op, "The OVO account is not linked (no customer token).")
	}
	var out balanceResponse
	var ext string
	err := c.t.Do(ctx, provider.Call{Op: op, Kind: provider.Read, Again: retryable}, func(ctx context.Context, _ int) error {
		out = balanceResponse{}
		var err error
		ext, err = c.transaction(ctx, op, provider.Read, EndpointBalance, p.Device, p.CustomerToken, "", balanceRequest{AdditionalInfo: channelInfo{Channel: ChannelOVO}}, &out)
		return err
	})
	if err != nil {
		return nil, err
	}
	b := &Balance{ResponseCode: out.ResponseCode, ResponseMessage: out.ResponseMessage, ExternalID: ext}
	for _, a := range out.AccountInfos {
		v, err := a.Amount.Value.Rupiah()
		if err != nil {
			return nil, &provider.Error{Provider: "doku", Op: op, Code: out.ResponseCode, Message: "DOKU sent a balance that is not a whole rupiah amount.", Outcome: provider.Rejected, Err: err}
		}
		acc := BalanceAccount{BalanceType: a.BalanceType, Amount: v, Currency: a.Amount.Currency, AvailableBalance: v}
		if a.AvailableBalance != nil && a.AvailableBalance.Value != "" {
			av, err := a.AvailableBalance.Value.Rupiah()
			if err != nil {
				return nil, &provider.Error{Provider: "doku", Op: op, Code: out.ResponseCode, Message: "DOKU sent an available balance that is not a whole rupiah amount.", Outcome: provider.Rejected, Err: err}
			}
			acc.AvailableBalance = av
		}
		b.Accounts = append(b.Accounts, acc)
	}
	return b, nil
}

// Pay charges a linked OVO account. Never retried: a timeout or 5xx answers
// with provider.Unknown, and the notification (or DOKU's status) settles it.
func (c *Client) Pay(ctx context.Context, p *PaymentParams) (*Payment, error) {
	const op = "payment"
	switch {
	case p == nil || p.CustomerToken == "":
		return nil, invalidParams(op, "The OVO account is not linked (no customer token).")
	case strings.TrimSpace(p.PartnerReferenceNo) == "":
		return nil, invalidParams(op, "The payment reference is missing.")
	case p.Amount <= 0:
		return nil, invalidParams(op, "The amount must be at least Rp 1.")
	}
	payMethod := cmp(p.PayMethod, "CASH")
	req := paymentRequest{
		PartnerReferenceNo: p.PartnerReferenceNo,
		Amount:             amountOf(p.Amount),
		FeeType:            cmp(p.FeeType, "OUR"),
		PayOptionDetails:   []payOptionDetail{{PayMethod: payMethod, TransAmount: amountOf(p.Amount), FeeAmount: amountOf(0)}},
		AdditionalInfo: paymentAddInfo{
			Channel: ChannelOVO, PaymentType: cmp(p.PaymentType, "SALE"),
			SuccessPaymentURL: p.SuccessPaymentURL, FailedPaymentURL: p.FailedPaymentURL,
		},
	}
	var out paymentResponse
	ext, err := c.transaction(ctx, op, provider.Write, EndpointPayment, p.Device, p.CustomerToken, p.ExternalID, req, &out)
	if err != nil {
		return nil, err
	}
	return &Payment{
		ResponseCode: out.ResponseCode, ResponseMessage: out.ResponseMessage, ReferenceNo: out.ReferenceNo,
		PartnerReferenceNo: out.PartnerReferenceNo, WebRedirectURL: out.WebRedirectURL, ExternalID: ext,
		Pending: strings.HasPrefix(out.ResponseCode, "202"),
	}, nil
}

// Unbind unlinks an OVO account; DOKU invalidates the customer token.
func (c *Client) Unbind(ctx context.Context, p *UnbindParams) (*Unbinding, error) {
	const op = "account-unbinding"
	if p == nil || p.CustomerToken == "" {
		return nil, invalidParams(op, "The OVO account is not linked (no customer token).")
	}
	var out unbindingResponse
	ext, err := c.transaction(ctx, op, provider.Write, EndpointUnbinding, p.Device, "", "", unbindingRequest{TokenID: p.CustomerToken, AdditionalInfo: channelInfo{Channel: ChannelOVO}}, &out)
	if err != nil {
		return nil, err
	}
	return &Unbinding{ResponseCode: out.ResponseCode, ResponseMessage: out.ResponseMessage, ReferenceNo: out.ReferenceNo, ExternalID: ext}, nil
}

// transaction sends a symmetrically signed request. When DOKU says the B2B
// token is invalid or unknown (401xx01/03: nothing was done) it is fetched
// again and the request repeated once with a fresh X-EXTERNAL-ID.
func (c *Client) transaction(ctx context.Context, op string, kind provider.Kind, ep Endpoint, dev Device, customerToken, externalID string, body any, out any) (string, error) {
	raw, err := marshal(body)
	if err != nil {
		return "", c.t.NotSent(op, "The request could not be encoded; nothing was sent.", err)
	}
	path := Path(c.cfg.PathSet, ep)
	for attempt := 1; ; attempt++ {
		tok, err := c.AccessTokenB2B(ctx)
		if err != nil {
			return "", retag(err, op)
		}
		// A caller's id is kept (it may be stored already; the refused
		// attempt was never recorded); a generated one is fresh each time.
		ext := externalID
		if ext == "" {
			ext = c.nextExternalID()
		}
		ts := FormatTimestamp(c.now())
		h := http.Header{}
		h.Set("X-TIMESTAMP", ts)
		h.Set("X-SIGNATURE", SignTransaction(c.cfg.SecretKey, http.MethodPost, path, tok.Token, raw, ts))
		h.Set("X-PARTNER-ID", c.cfg.ClientID)
		h.Set("X-EXTERNAL-ID", ext)
		h.Set("X-DEVICE-ID", cmp(dev.DeviceID, c.cfg.DeviceID))
		h.Set("X-IP-ADDRESS", cmp(dev.IPAddress, c.cfg.IPAddress))
		h.Set("CHANNEL-ID", c.cfg.ChannelID)
		h.Set("Authorization", "Bearer "+tok.Token)
		if customerToken != "" {
			h.Set("Authorization-Customer", "Bearer "+customerToken)
		}
		_, err = c.send(ctx, op, kind, path, h, json.RawMessage(raw), out)
		if err != nil && attempt == 1 && staleB2BToken(err) {
			c.forgetToken(tok.Token)
			continue
		}
		return ext, err
	}
}

func staleB2BToken(err error) bool {
	e, ok := provider.AsError(err)
	if !ok || statusPrefix(e.Code) != "401" {
		return false
	}
	k := caseOf(e.Code)
	return k == "01" || k == "03"
}

// send posts body through the shared transport and decodes DOKU's answer
// into out, turning every failure into a *provider.Error.
func (c *Client) send(ctx context.Context, op string, kind provider.Kind, path string, h http.Header, body any, out any) (int, error) {
	raw, err := marshal(body)
	if err != nil {
		return 0, c.t.NotSent(op, "The request could not be encoded; nothing was sent.", err)
	}
	h.Set("Content-Type", "application/json")
	r, err := c.t.Send(ctx, op, kind, &provider.Request{Method: http.MethodPost, Path: path, Header: h, Body: raw})
	if err != nil {
		return 0, err
	}
	code, err := decodeAnswer(op, r.Status, r.Body, nil, out)
	c.t.Logger().LogAttrs(ctx, slog.LevelInfo, "doku answer", slog.String("op", op), slog.String("code", code))
	return r.Status, err
}

// decodeAnswer turns DOKU's answer into out, or into a *provider.Error with the right
// provider.Outcome; it returns the responseCode seen. Pure, so it can be fuzzed.
func decodeAnswer(op string, status int, answer []byte, readErr error, out any) (string, error) {
	var env envelope
	decodeErr := readErr
	if decodeErr == nil {
		decodeErr = json.Unmarshal(answer, &env)
	}
	if decodeErr == nil && out != nil {
		decodeErr = json.Unmarshal(answer, out)
	}
	if decodeErr != nil || env.ResponseCode == "" {
		if decodeErr == nil {
			decodeErr = errors.New("no responseCode")
		}
		return env.ResponseCode, &provider.Error{Provider: "doku", Op: op, HTTPStatus: status, Code: env.ResponseCode, ProviderMessage: env.ResponseMessage,
			Message: unreadableMessage(status), Outcome: provider.StatusOutcome(status), Err: decodeErr}
	}
	return env.ResponseCode, classify(op, status, env)
}

func unreadableMessage(status int) string {
	if provider.StatusOutcome(status) == provider.Rejected {
		return "DOKU refused the request with an unreadable answer; nothing was done."
	}
	return "DOKU's answer could not be read; the result is unknown until the status is checked."
}

// classify returns nil for success codes and *Error otherwise.
func classify(op string, status int, env envelope) error {
	code := env.ResponseCode
	prefix := statusPrefix(code)
	success := strings.HasPrefix(prefix, "2") && len(code) == 7
	if success && status >= 200 && status < 300 {
		return nil
	}
	e := &provider.Error{Provider: "doku", Op: op, HTTPStatus: status, Code: code, ProviderMessage: env.ResponseMessage, Message: Describe(code)}
	switch {
	case success: // a success code under a failing HTTP status: do not trust either
		e.Outcome = provider.Unknown
		e.Message = "DOKU's answer contradicts itself; the result is unknown until the status is checked."
	case prefix == "408", prefix == "409" && op == "payment":
		// a duplicate reference means an earlier attempt may have been taken
		e.Outcome = provider.Unknown
	case strings.HasPrefix(prefix, "4"):
		e.Outcome = provider.Rejected
	case prefix == "":
		e.Outcome = provider.StatusOutcome(status)
	default:
		e.Outcome = provider.Unknown
	}
	return e
}

// retryable: only failures where DOKU may not have seen the request or
// answered with a server error. Used for reads and token fetches only.
func retryable(err error) bool {
	e, ok := provider.AsError(err)
	if !ok {
		return false
	}
	if e.HTTPStatus == 0 {
		return provider.Retryable(err)
	}
	p := statusPrefix(e.Code)
	return e.HTTPStatus >= 500 || p == "429" || strings.HasPrefix(p, "5")
}

func retag(err error, op string) error {
	if e, ok := provider.AsError(err); ok {
		cp := *e
		cp.Op = op + " (" + e.Op + ")"
		cp.Outcome = provider.Rejected // no token, so the request itself was never sent
		return &cp
	}
	return err
}

func invalidParams(op, msg string) error {
	return provider.NotSent("doku", op, msg, nil)
}

func cmp(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// marshal encodes without HTML escaping (URLs keep their '&') and without
// the trailing newline, so the bytes sent are the minified bytes signed.
func marshal(v any) ([]byte, error) {
	if r, ok := v.(json.RawMessage); ok {
		return r, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
