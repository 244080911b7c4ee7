// Package sandbox is an in-memory stand-in for DOKU's SNAP "OVO Open API"
// (direct debit). It serves DOKU's real paths — both the current
// /direct-debit/core/v1 set and the archived /direct-debit/merchant/ovo/v1.0
// set — relative to its root, checks what DOKU checks, and sends the payment
// notification to the dashboard the way DOKU does.
//
// What it checks:
//   - token requests (/authorization/v1/access-token/b2b and /b2b2c):
//     X-CLIENT-KEY = Options.ClientID, fresh X-TIMESTAMP, and X-SIGNATURE =
//     SHA256withRSA(clientId|X-TIMESTAMP) under Options.MerchantPublicKey;
//     a bad signature or client answers 4017300 (4017400 for b2b2c).
//   - every transaction: Authorization (a B2B token it issued, else 401xx01),
//     X-PARTNER-ID, numeric X-EXTERNAL-ID unique per day (409xx00 when
//     repeated), X-DEVICE-ID, X-IP-ADDRESS, X-TIMESTAMP and the HMAC-SHA512
//     X-SIGNATURE with Options.SecretKey (401xx00 "Invalid Signature");
//     balance and payment also Authorization-Customer (a B2B2C token, with
//     or without "Bearer ", as DOKU's SDKs send both; else 401xx02).
//     CHANNEL-ID is not required: the OVO header lists do not have it, and
//     DOKU's own SDK does not always send it.
//
// Mock behaviour:
//   - Binding: any phone 62…/08… of 10–15 digits is an OVO account holding
//     Options.InitialBalance (default Rp 1.000.000). Phone ending 0404: not an
//     OVO account (4040711). Phone ending 0005: balance Rp 5.000. A phone
//     already linked to another custIdMerchant: 4090700.
//     redirectUrl is the sandbox's OVO page /ovo/bind/{referenceNo}: OTP
//     123456 and PIN 123456 link the account and redirect (303) to
//     successRegistrationUrl?authCode=…&custIdMerchant=…; "Cancel" or three
//     wrong OTP/PIN go to failedRegistrationUrl. The authCode works once at
//     /authorization/v1/access-token/b2b2c.
//   - Payment (SALE): amount above Rp 10.000.000 answers 4035402, above the
//     balance 4035414 (insufficient funds), a used partnerReferenceNo 4095401.
//     Otherwise 2005400 with webRedirectUrl /ovo/pay/{referenceNo}: PIN
//     123456 debits the balance (status 00) and redirects to
//     successPaymentUrl; PIN 000000, an amount of exactly Rp 99.999 or a
//     balance that fell short meanwhile fail it (06); "Cancel" cancels it
//     (05). After Options.SettleDelay the notification is sent: a token from
//     Options.MerchantTokenURL (signed with Options.DokuPrivateKey), then a
//     POST to Options.NotificationURL signed HMAC-SHA512 (or RSA when
//     Options.NotificationSignature is "rsa"), retried up to
//     Options.CallbackAttempts times until it answers 2005600.
//   - Unbinding invalidates the customer token (later calls: 401xx02).
//
// Simulate endpoints (not DOKU's): POST /simulate/balance (form phoneNo,
// value) sets a balance; POST /simulate/notify (form partnerReferenceNo)
// sends a finished payment's notification again. LoadOrCreateKeys keeps the
// merchant's and the sandbox's key pairs in the data directory.
//
// Against the real DOKU: set DOKU_BASE_URL (https://api-sandbox.doku.com,
// production https://api.doku.com), DOKU_CLIENT_ID, DOKU_SECRET_KEY,
// DOKU_PRIVATE_KEY_FILE (the merchant key whose public half is uploaded to
// DOKU) and DOKU_PUBLIC_KEY_FILE (DOKU's key); the sandbox is then unused.
package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"backoffice/internal/providers/doku"
)

// Options configure a Sandbox.
type Options struct {
	ClientID          string
	SecretKey         string
	MerchantPublicKey *rsa.PublicKey  // verifies the dashboard's token requests
	DokuPrivateKey    *rsa.PrivateKey // signs the sandbox's requests to the dashboard

	PublicURL        string // absolute URL of the sandbox root, for the OVO pages
	MerchantTokenURL string // the dashboard's POST …/v1.0/access-token/b2b
	NotificationURL  string // the dashboard's POST …/v1.0/debit/notify
	// NotificationSignature is "hmac" (default) or "rsa".
	NotificationSignature string
	// NotificationSignsURI signs the notification URL's path and query;
	// false (the default, as CONTRACT-NOTES says) signs the path only.
	NotificationSignsURI bool
	// NotificationOwnToken makes the HMAC with the B2B token the sandbox
	// last gave the merchant instead of the token the merchant issued it
	// (the docs do not say which DOKU uses).
	NotificationOwnToken bool
	HTTPClient           *http.Client

	SettleDelay      time.Duration // before a notification is sent; default 2s
	RetryDelay       time.Duration // between notification attempts; default 1s
	CallbackAttempts int           // default 3
	TokenTTL         time.Duration // B2B token life; default 900s
	CustomerTokenTTL time.Duration // B2B2C token life; default 365 days
	InitialBalance   int64         // rupiah; default 1.000.000

	Logger *slog.Logger
	Now    func() time.Time
}

// Sandbox is an http.Handler standing in for DOKU.
type Sandbox struct {
	opts   Options
	mux    *http.ServeMux
	routes map[string]bool
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu             sync.Mutex
	b2bTokens      map[string]time.Time
	lastB2BToken   string            // the newest token given to the merchant
	authCodes      map[string]string // authCode → phone
	customerTokens map[string]*customerToken
	accounts       map[string]*account // by phone
	bindings       map[string]*binding // by referenceNo
	payments       map[string]*payment // by referenceNo
	byPartnerRef   map[string]*payment
	externalIDs    map[string]bool // day|partner|X-EXTERNAL-ID
}

type account struct {
	phone          string
	balance        int64
	custIDMerchant string // bound customer, "" when not linked
}

type customerToken struct {
	phone   string
	expires time.Time
}

type binding struct {
	referenceNo, phone, custIDMerchant string
	successURL, failedURL              string
	tries                              int
	done                               bool
}

type payment struct {
	referenceNo, partnerReferenceNo, externalID string
	phone, custIDMerchant                       string
	amount                                      int64
	successURL, failedURL                       string
	status                                      doku.TransactionStatus
	statusDesc                                  string
	tries                                       int
	// notifyExternalID is the notification's X-EXTERNAL-ID, the same on every
	// attempt and resend so the merchant can recognise repeats.
	notifyExternalID string
}

// New builds a Sandbox; call Close to stop its notification goroutines.
func New(opts Options) *Sandbox {
	if opts.SettleDelay <= 0 {
		opts.SettleDelay = 2 * time.Second
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = time.Second
	}
	if opts.CallbackAttempts <= 0 {
		opts.CallbackAttempts = 3
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = doku.TokenTTL
	}
	if opts.CustomerTokenTTL <= 0 {
		opts.CustomerTokenTTL = 365 * 24 * time.Hour
	}
	if opts.InitialBalance <= 0 {
		opts.InitialBalance = 1_000_000
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	s := &Sandbox{
		opts:           opts,
		mux:            http.NewServeMux(),
		routes:         map[string]bool{},
		log:            opts.Logger,
		b2bTokens:      map[string]time.Time{},
		authCodes:      map[string]string{},
		customerTokens: map[string]*customerToken{},
		accounts:       map[string]*account{},
		bindings:       map[string]*binding{},
		payments:       map[string]*payment{},
		byPartnerRef:   map[string]*payment{},
		externalIDs:    map[string]bool{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, set := range doku.PathSets() {
		s.route(doku.Path(set, doku.EndpointTokenB2B), s.tokenB2B)
		s.route(doku.Path(set, doku.EndpointTokenB2B2C), s.tokenB2B2C)
		s.route(doku.Path(set, doku.EndpointBinding), s.transaction(doku.ServiceBinding, false, s.bind))
		s.route(doku.Path(set, doku.EndpointBalance), s.transaction(doku.ServiceBalance, true, s.balance))
		s.route(doku.Path(set, doku.EndpointPayment), s.transaction(doku.ServicePayment, true, s.pay))
		s.route(doku.Path(set, doku.EndpointUnbinding), s.transaction(doku.ServiceUnbinding, false, s.unbind))
	}
	s.mux.HandleFunc("GET /ovo/bind/{ref}", s.bindPage)
	s.mux.HandleFunc("POST /ovo/bind/{ref}", s.bindSubmit)
	s.mux.HandleFunc("GET /ovo/pay/{ref}", s.payPage)
	s.mux.HandleFunc("POST /ovo/pay/{ref}", s.paySubmit)
	s.mux.HandleFunc("POST /simulate/balance", s.simulateBalance)
	s.mux.HandleFunc("POST /simulate/notify", s.simulateNotify)
	return s
}

// route registers path once: both path sets share the token paths.
func (s *Sandbox) route(path string, h http.HandlerFunc) {
	if s.routes[path] {
		return
	}
	s.routes[path] = true
	s.mux.HandleFunc("POST "+path, h)
}

func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops pending notifications and waits for them.
func (s *Sandbox) Close() {
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
}

// ---- helpers ----

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type snapError struct {
	status int
	code   string
	msg    string
}

func fail(status int, service, caseCode, msg string) *snapError {
	return &snapError{status: status, code: doku.Code(status, service, caseCode), msg: msg}
}

func (e *snapError) write(w http.ResponseWriter) {
	writeJSON(w, e.status, map[string]string{"responseCode": e.code, "responseMessage": e.msg})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomDigits(n int) string {
	var sb strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		sb.WriteByte(byte('0' + d.Int64()))
	}
	return sb.String()
}

func readBody(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 1<<20))
}

func bearer(h string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// customerTokenOf reads Authorization-Customer, which DOKU takes with or
// without the "Bearer " prefix.
func customerTokenOf(h string) string {
	if t := bearer(h); t != "" {
		return t
	}
	h = strings.TrimSpace(h)
	if strings.ContainsAny(h, " \t") {
		return ""
	}
	return h
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ---- tokens ----

func (s *Sandbox) checkTokenRequest(r *http.Request, service string) ([]byte, *snapError) {
	body, err := readBody(r)
	if err != nil {
		return nil, fail(400, service, "00", "Bad Request")
	}
	for _, h := range []string{"X-CLIENT-KEY", "X-TIMESTAMP", "X-SIGNATURE"} {
		if r.Header.Get(h) == "" {
			return nil, fail(400, service, "02", "Invalid Mandatory Field ["+h+"]")
		}
	}
	if r.Header.Get("X-CLIENT-KEY") != s.opts.ClientID {
		return nil, fail(401, service, "00", "Unauthorized. Unknown Client")
	}
	ts, err := doku.ParseTimestamp(r.Header.Get("X-TIMESTAMP"))
	if err != nil {
		return nil, fail(400, service, "01", "Invalid Field Format [X-TIMESTAMP]")
	}
	if d := s.opts.Now().Sub(ts); d > doku.MaxTimestampSkew || d < -doku.MaxTimestampSkew {
		return nil, fail(401, service, "00", "Unauthorized. Invalid Timestamp")
	}
	if err := doku.VerifyTokenSignature(s.opts.MerchantPublicKey, s.opts.ClientID, r.Header.Get("X-TIMESTAMP"), r.Header.Get("X-SIGNATURE")); err != nil {
		return nil, fail(401, service, "00", "Unauthorized. Signature")
	}
	return body, nil
}

func (s *Sandbox) tokenB2B(w http.ResponseWriter, r *http.Request) {
	body, e := s.checkTokenRequest(r, doku.ServiceTokenB2B)
	if e != nil {
		e.write(w)
		return
	}
	var req struct {
		GrantType string `json:"grantType"`
	}
	if json.Unmarshal(body, &req) != nil || req.GrantType != "client_credentials" {
		fail(400, doku.ServiceTokenB2B, "01", "Invalid Field Format [grantType]").write(w)
		return
	}
	tok := randomHex(24)
	s.mu.Lock()
	now := s.opts.Now()
	for k, exp := range s.b2bTokens {
		if !now.Before(exp) {
			delete(s.b2bTokens, k)
		}
	}
	s.b2bTokens[tok] = now.Add(s.opts.TokenTTL)
	s.lastB2BToken = tok
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{
		"responseCode": "2007300",
		"accessToken":  tok,
		"tokenType":    "Bearer",
		"expiresIn":    int64(s.opts.TokenTTL / time.Second),
	})
}

func (s *Sandbox) tokenB2B2C(w http.ResponseWriter, r *http.Request) {
	body, e := s.checkTokenRequest(r, doku.ServiceTokenB2B2C)
	if e != nil {
		e.write(w)
		return
	}
	var req struct {
		GrantType string `json:"grantType"`
		AuthCode  string `json:"authCode"`
	}
	if json.Unmarshal(body, &req) != nil || req.GrantType != "authorization_code" {
		fail(400, doku.ServiceTokenB2B2C, "01", "Invalid Field Format [grantType]").write(w)
		return
	}
	if req.AuthCode == "" {
		fail(400, doku.ServiceTokenB2B2C, "02", "Invalid Mandatory Field [authCode]").write(w)
		return
	}
	s.mu.Lock()
	phone, ok := s.authCodes[req.AuthCode]
	delete(s.authCodes, req.AuthCode)
	now := s.opts.Now()
	access, refresh := randomHex(24), randomHex(24)
	if ok {
		s.customerTokens[access] = &customerToken{phone: phone, expires: now.Add(s.opts.CustomerTokenTTL)}
	}
	s.mu.Unlock()
	if !ok {
		fail(401, doku.ServiceTokenB2B2C, "00", "Unauthorized. Invalid authCode").write(w)
		return
	}
	writeJSON(w, 200, map[string]any{
		"responseCode":           "2007400",
		"responseMessage":        "Successful",
		"accessToken":            access,
		"tokenType":              "Bearer",
		"accessTokenExpiryTime":  doku.FormatTimestamp(now.Add(s.opts.CustomerTokenTTL)),
		"refreshToken":           refresh,
		"refreshTokenExpiryTime": doku.FormatTimestamp(now.Add(2 * s.opts.CustomerTokenTTL)),
		"additionalInfo":         map[string]any{},
	})
}

// ---- transactions ----

// txn is a checked transaction request.
type txn struct {
	body       []byte
	externalID string
	phone      string // from Authorization-Customer, when required
}

type txnHandler func(w http.ResponseWriter, t *txn) *snapError

func (s *Sandbox) transaction(service string, needCustomer bool, h txnHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, e := s.checkTransaction(r, service, needCustomer)
		if e == nil {
			e = h(w, t)
		}
		if e != nil {
			s.log.Info("doku sandbox refused", "path", r.URL.Path, "code", e.code)
			e.write(w)
		}
	}
}

func (s *Sandbox) checkTransaction(r *http.Request, service string, needCustomer bool) (*txn, *snapError) {
	body, err := readBody(r)
	if err != nil {
		return nil, fail(400, service, "00", "Bad Request")
	}
	tok := bearer(r.Header.Get("Authorization"))
	if tok == "" {
		return nil, fail(401, service, "03", "Token Not Found (B2B)")
	}
	now := s.opts.Now()
	s.mu.Lock()
	exp, ok := s.b2bTokens[tok]
	s.mu.Unlock()
	if !ok || !now.Before(exp) {
		return nil, fail(401, service, "01", "Invalid Token (B2B)")
	}
	for _, h := range []string{"X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "X-EXTERNAL-ID", "X-DEVICE-ID", "X-IP-ADDRESS"} {
		if r.Header.Get(h) == "" {
			return nil, fail(400, service, "02", "Invalid Mandatory Field ["+h+"]")
		}
	}
	if r.Header.Get("X-PARTNER-ID") != s.opts.ClientID {
		return nil, fail(401, service, "00", "Unauthorized. Unknown Partner")
	}
	ext := r.Header.Get("X-EXTERNAL-ID")
	if !isDigits(ext) || len(ext) > 36 {
		return nil, fail(400, service, "01", "Invalid Field Format [X-EXTERNAL-ID]")
	}
	ts, err := doku.ParseTimestamp(r.Header.Get("X-TIMESTAMP"))
	if err != nil {
		return nil, fail(400, service, "01", "Invalid Field Format [X-TIMESTAMP]")
	}
	if d := now.Sub(ts); d > doku.MaxTimestampSkew || d < -doku.MaxTimestampSkew {
		return nil, fail(401, service, "00", "Unauthorized. Invalid Timestamp")
	}
	if err := doku.VerifyTransactionSignature(s.opts.SecretKey, r.Method, r.URL.Path, tok, body, r.Header.Get("X-TIMESTAMP"), r.Header.Get("X-SIGNATURE")); err != nil {
		return nil, fail(401, service, "00", "Unauthorized. Invalid Signature")
	}
	t := &txn{body: body, externalID: ext}
	if needCustomer {
		ct := customerTokenOf(r.Header.Get("Authorization-Customer"))
		if ct == "" {
			return nil, fail(401, service, "04", "Customer Token Not Found")
		}
		s.mu.Lock()
		c, ok := s.customerTokens[ct]
		s.mu.Unlock()
		if !ok || !now.Before(c.expires) {
			return nil, fail(401, service, "02", "Invalid Customer Token")
		}
		t.phone = c.phone
	}
	key := ts.In(time.FixedZone("WIB", 7*3600)).Format("2006-01-02") + "|" + ext
	s.mu.Lock()
	dup := s.externalIDs[key]
	s.externalIDs[key] = true
	s.mu.Unlock()
	if dup {
		return nil, fail(409, service, "00", "Conflict")
	}
	return t, nil
}

type amountJSON struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

func amountOf(v int64) amountJSON {
	return amountJSON{Value: fmt.Sprintf("%d.00", v), Currency: "IDR"}
}

func validPhone(p string) bool {
	return isDigits(p) && len(p) >= 10 && len(p) <= 15 && (strings.HasPrefix(p, "62") || strings.HasPrefix(p, "08"))
}

func (s *Sandbox) bind(w http.ResponseWriter, t *txn) *snapError {
	const svc = doku.ServiceBinding
	var req struct {
		PhoneNo        string `json:"phoneNo"`
		AdditionalInfo struct {
			Channel                string `json:"channel"`
			CustIDMerchant         string `json:"custIdMerchant"`
			SuccessRegistrationURL string `json:"successRegistrationUrl"`
			FailedRegistrationURL  string `json:"failedRegistrationUrl"`
		} `json:"additionalInfo"`
	}
	if err := json.Unmarshal(t.body, &req); err != nil {
		return fail(400, svc, "00", "Bad Request")
	}
	ai := req.AdditionalInfo
	switch {
	case req.PhoneNo == "":
		return fail(400, svc, "02", "Invalid Mandatory Field [phoneNo]")
	case !validPhone(req.PhoneNo):
		return fail(400, svc, "01", "Invalid Field Format [phoneNo]")
	case ai.Channel != doku.ChannelOVO:
		return fail(400, svc, "01", "Invalid Field Format [additionalInfo.channel]")
	case ai.CustIDMerchant == "":
		return fail(400, svc, "02", "Invalid Mandatory Field [additionalInfo.custIdMerchant]")
	case strings.HasSuffix(req.PhoneNo, "0404"):
		return fail(404, svc, "11", "Invalid Card/Account/Customer [phoneNo]")
	}
	phone := normalisePhone(req.PhoneNo)
	s.mu.Lock()
	acc := s.accountLocked(phone)
	if acc.custIDMerchant != "" && acc.custIDMerchant != ai.CustIDMerchant {
		s.mu.Unlock()
		return fail(409, svc, "00", "Conflict. Account already bound to another customer")
	}
	ref := randomDigits(16)
	s.bindings[ref] = &binding{referenceNo: ref, phone: phone, custIDMerchant: ai.CustIDMerchant,
		successURL: ai.SuccessRegistrationURL, failedURL: ai.FailedRegistrationURL}
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{
		"responseCode":    "2000700",
		"responseMessage": "Successful",
		"referenceNo":     ref,
		"redirectUrl":     s.opts.PublicURL + "/ovo/bind/" + ref,
		"additionalInfo": map[string]any{
			"custIdMerchant": ai.CustIDMerchant,
			"status":         "PENDING",
			"authCode":       "",
		},
	})
	return nil
}

// normalisePhone turns 08… into 628… so both name the same account.
func normalisePhone(p string) string {
	if strings.HasPrefix(p, "0") {
		return "62" + p[1:]
	}
	return p
}

// accountLocked returns (creating) the OVO account of phone; s.mu held.
func (s *Sandbox) accountLocked(phone string) *account {
	acc, ok := s.accounts[phone]
	if !ok {
		bal := s.opts.InitialBalance
		if strings.HasSuffix(phone, "0005") {
			bal = 5_000
		}
		acc = &account{phone: phone, balance: bal}
		s.accounts[phone] = acc
	}
	return acc
}

func (s *Sandbox) balance(w http.ResponseWriter, t *txn) *snapError {
	var req struct {
		AdditionalInfo struct {
			Channel string `json:"channel"`
		} `json:"additionalInfo"`
	}
	if err := json.Unmarshal(t.body, &req); err != nil {
		return fail(400, doku.ServiceBalance, "00", "Bad Request")
	}
	if req.AdditionalInfo.Channel != doku.ChannelOVO {
		return fail(400, doku.ServiceBalance, "01", "Invalid Field Format [additionalInfo.channel]")
	}
	s.mu.Lock()
	bal := s.accountLocked(t.phone).balance
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{
		"responseCode": "2001100",
		"accountInfos": []any{map[string]any{"balanceType": "CASH", "amount": amountOf(bal)}},
	})
	return nil
}

// MaxPayment is the sandbox's per-transaction limit.
const MaxPayment = 10_000_000

func (s *Sandbox) pay(w http.ResponseWriter, t *txn) *snapError {
	const svc = doku.ServicePayment
	var req struct {
		PartnerReferenceNo string     `json:"partnerReferenceNo"`
		Amount             amountJSON `json:"amount"`
		FeeType            string     `json:"feeType"`
		PayOptionDetails   []struct {
			PayMethod   string     `json:"payMethod"`
			TransAmount amountJSON `json:"transAmount"`
		} `json:"payOptionDetails"`
		AdditionalInfo struct {
			Channel           string `json:"channel"`
			PaymentType       string `json:"paymentType"`
			SuccessPaymentURL string `json:"successPaymentUrl"`
			FailedPaymentURL  string `json:"failedPaymentUrl"`
		} `json:"additionalInfo"`
	}
	if err := json.Unmarshal(t.body, &req); err != nil {
		return fail(400, svc, "00", "Bad Request")
	}
	ai := req.AdditionalInfo
	if req.PartnerReferenceNo == "" {
		return fail(400, svc, "02", "Invalid Mandatory Field [partnerReferenceNo]")
	}
	if ai.Channel != doku.ChannelOVO {
		return fail(400, svc, "01", "Invalid Field Format [additionalInfo.channel]")
	}
	amount, err := parseRupiah(req.Amount)
	if err != nil || amount <= 0 {
		return fail(400, svc, "01", "Invalid Field Format [amount]")
	}
	for _, d := range req.PayOptionDetails {
		v, err := parseRupiah(d.TransAmount)
		if err != nil || v != amount {
			return fail(404, svc, "13", "Invalid Amount [payOptionDetails.transAmount]")
		}
	}
	if ai.PaymentType != "SALE" {
		return fail(403, svc, "01", "Feature Not Allowed [paymentType]")
	}
	if amount > MaxPayment {
		return fail(403, svc, "02", "Exceeds Transaction Amount Limit")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.byPartnerRef[req.PartnerReferenceNo]; dup {
		return fail(409, svc, "01", "Duplicate partnerReferenceNo")
	}
	acc := s.accountLocked(t.phone)
	if amount > acc.balance {
		return fail(403, svc, "14", "Insufficient Funds")
	}
	p := &payment{
		referenceNo: randomDigits(16), partnerReferenceNo: req.PartnerReferenceNo, externalID: t.externalID,
		phone: t.phone, custIDMerchant: acc.custIDMerchant, amount: amount,
		successURL: ai.SuccessPaymentURL, failedURL: ai.FailedPaymentURL, status: doku.StatusInitiated,
	}
	s.payments[p.referenceNo] = p
	s.byPartnerRef[p.partnerReferenceNo] = p
	writeJSON(w, 200, map[string]any{
		"responseCode":       "2005400",
		"responseMessage":    "Successful",
		"referenceNo":        p.referenceNo,
		"partnerReferenceNo": p.partnerReferenceNo,
		"webRedirectUrl":     s.opts.PublicURL + "/ovo/pay/" + p.referenceNo,
	})
	return nil
}

func parseRupiah(a amountJSON) (int64, error) {
	if a.Currency != "IDR" {
		return 0, fmt.Errorf("currency %q", a.Currency)
	}
	// exactly two decimals, as DOKU requires
	if _, frac, ok := strings.Cut(a.Value, "."); !ok || len(frac) != 2 {
		return 0, fmt.Errorf("value %q", a.Value)
	}
	return doku.Decimal(a.Value).Rupiah()
}

func (s *Sandbox) unbind(w http.ResponseWriter, t *txn) *snapError {
	const svc = doku.ServiceUnbinding
	var req struct {
		TokenID        string `json:"tokenId"`
		AdditionalInfo struct {
			Channel string `json:"channel"`
		} `json:"additionalInfo"`
	}
	if err := json.Unmarshal(t.body, &req); err != nil {
		return fail(400, svc, "00", "Bad Request")
	}
	if req.TokenID == "" {
		return fail(400, svc, "02", "Invalid Mandatory Field [tokenId]")
	}
	if req.AdditionalInfo.Channel != doku.ChannelOVO {
		return fail(400, svc, "01", "Invalid Field Format [additionalInfo.channel]")
	}
	s.mu.Lock()
	c, ok := s.customerTokens[req.TokenID]
	if ok {
		for k, other := range s.customerTokens {
			if other.phone == c.phone {
				delete(s.customerTokens, k)
			}
		}
		s.accountLocked(c.phone).custIDMerchant = ""
	}
	s.mu.Unlock()
	if !ok {
		return fail(401, svc, "02", "Invalid Customer Token")
	}
	writeJSON(w, 200, map[string]any{
		"responseCode":    "2000900",
		"responseMessage": "Successful",
		"referenceNo":     randomDigits(16),
	})
	return nil
}
