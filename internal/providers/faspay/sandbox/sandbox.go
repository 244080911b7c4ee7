// Package sandbox imitates Faspay's OVO Tokenize JSON API (debit-sandbox
// host, paths /cvr/100037/10 ... /cvr/100042/10) and the OVO pages the
// customer sees, for development and tests. State lives in memory.
//
// It checks merchant_id, payment_channel (720) and the request signature
// sha1(md5(user_id + password + phone_no)); every refusal is response_code
// "01" with a response_desc naming the reason, as Faspay does.
//
// OVO pages (served by the sandbox, the redirectURL points at them):
//   - /ovo/activation: OTP 123456 and PIN 123456 link the account, then the
//     activation callback (GET) goes to Options.ActivationCallbackURL and the
//     browser is sent to the return URL. Wrong values show an error; "Cancel"
//     sends a failed (01) callback.
//   - /ovo/payment: PIN 123456 confirms, then the payment notification (POST
//     JSON, signed) goes to Options.PaymentNotificationURL. "Cancel" sends
//     status 8.
//   - /ovo/regenerate: PIN 123456 renews an expired payment token.
//
// The return URL is the page's return_url query parameter (http or https),
// else Options.ReturnURL, else a small "done" page.
//
// Triggers:
//   - activation with a phone ending in 0000: 01 "Phone number is not registered as OVO account".
//   - a phone ending in 9902 links with an expired payment token: payments
//     answer 02 with a url to /ovo/regenerate until the customer enters the PIN there.
//     POST /simulate/expire-token (phone_no) expires the token of any linked phone.
//   - payment of 30003: the PIN page fails it (notification status 3 "Payment Failed").
//   - payment of 40004: no PIN page needed; after SettleDelay status 7 "Payment Expired".
//   - payment above the balance the pay_type may use: status 3 "Insufficient balance"
//     after the PIN. New accounts hold cash 1967700 and points 2539434 (the docs' sample).
//   - POST /simulate/topup (phone_no, amount) adds cash to an account.
//   - a bill_no that is not 1–32 digits (Faspay documents it as Numeric (32)): 01 "Invalid bill_no".
//   - a bill_no used before: 01 "Duplicate bill_no".
//   - calls for a phone that is not linked (never, or after unlink): 01 "Account is not linked".
//
// Callbacks wait SettleDelay and are retried CallbackRetries times until
// a 2xx; for a payment notification the answer must also be Faspay's
// documented reply (JSON, response_code 00, the notification's trx_id,
// bill_no and merchant_id), or it counts as not received.
// To talk to the real Faspay instead, set FASPAY_BASE_URL (for example
// https://debit-sandbox.faspay.co.id) with FASPAY_MERCHANT_ID, FASPAY_MERCHANT_NAME,
// FASPAY_USER_ID and FASPAY_PASSWORD; see docs/providers/faspay.md.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"backoffice/internal/money"
	"backoffice/internal/providers/faspay"
)

// Accepted values on the OVO pages.
const (
	OTP = "123456"
	PIN = "123456"
)

// Starting balance of a newly linked account (the docs' balance sample).
const (
	InitialCash   int64 = 1967700
	InitialPoints int64 = 2539434
)

// Trigger amounts and phone suffixes.
const (
	AmountFailed           int64 = 30003
	AmountExpired          int64 = 40004
	SuffixNotRegistered          = "0000"
	SuffixTokenExpired           = "9902"
	defaultSettleDelay           = 2 * time.Second
	defaultCallbackRetries       = 3
)

// Options configures a Sandbox.
type Options struct {
	MerchantID     string // checked against merchant_id
	MerchantName   string // sent as "merchant" in notifications
	UserID         string // with Password, checked through the signature
	Password       string
	PaymentChannel string // default "720"

	PublicURL              string // absolute URL of the sandbox root, for redirectURL
	ActivationCallbackURL  string // GET target of the activation callback
	PaymentNotificationURL string // POST target of the payment notification
	ReturnURL              string // where the OVO pages send the browser when no return_url is given

	HTTPClient      *http.Client  // for callbacks; default with a 10s timeout
	SettleDelay     time.Duration // before each callback; default 2s
	RetryDelay      time.Duration // between callback attempts; default SettleDelay
	CallbackRetries int           // retries after the first attempt; default 3, negative for none
	PreLinked       []string      // phones linked from the start
	Logger          *slog.Logger
	Now             func() time.Time
}

type wallet struct {
	cash, points int64
	history      []txn // oldest first
}

type txn struct {
	trxID   string
	billNo  string
	at      time.Time
	status  string
	amount  int64
	details []detail
}

type detail struct {
	kind   string
	amount int64
}

type payment struct {
	trxID, billNo, phone, payType string
	amount                        int64
	created                       time.Time
	done                          bool
}

type session struct {
	kind    string // activation, payment, regenerate
	phone   string
	trxID   string
	expires time.Time
}

// Sandbox is an http.Handler imitating Faspay OVO Tokenize.
type Sandbox struct {
	opts   Options
	mux    *http.ServeMux
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	wallets  map[string]*wallet
	linked   map[string]bool
	expired  map[string]bool
	payments map[string]*payment // by trx_id
	bills    map[string]string   // bill_no -> trx_id
	sessions map[string]*session
}

// New builds a Sandbox.
func New(opts Options) *Sandbox {
	if opts.PaymentChannel == "" {
		opts.PaymentChannel = faspay.DefaultPaymentChannel
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.SettleDelay <= 0 {
		opts.SettleDelay = defaultSettleDelay
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = opts.SettleDelay
	}
	if opts.CallbackRetries == 0 {
		opts.CallbackRetries = defaultCallbackRetries
	}
	if opts.CallbackRetries < 0 {
		opts.CallbackRetries = 0
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sandbox{
		opts: opts, mux: http.NewServeMux(), ctx: ctx, cancel: cancel,
		wallets: map[string]*wallet{}, linked: map[string]bool{}, expired: map[string]bool{},
		payments: map[string]*payment{}, bills: map[string]string{}, sessions: map[string]*session{},
	}
	for _, p := range opts.PreLinked {
		s.link(p)
	}
	s.mux.HandleFunc("POST "+faspay.Paths.Activation, s.api(s.activation))
	s.mux.HandleFunc("POST "+faspay.Paths.Payment, s.api(s.payment))
	s.mux.HandleFunc("POST "+faspay.Paths.Balance, s.api(s.balance))
	s.mux.HandleFunc("POST "+faspay.Paths.Unlink, s.api(s.unlink))
	s.mux.HandleFunc("POST "+faspay.Paths.History, s.api(s.history))
	s.mux.HandleFunc("POST "+faspay.Paths.TopUpInstruction, s.api(s.topUp))
	s.mux.HandleFunc("GET /ovo/{kind}", s.showPage)
	s.mux.HandleFunc("POST /ovo/{kind}", s.submitPage)
	s.mux.HandleFunc("POST /simulate/expire-token", s.simulateExpireToken)
	s.mux.HandleFunc("POST /simulate/topup", s.simulateTopUp)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops pending callbacks and waits for their goroutines.
func (s *Sandbox) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// link must be called with s.mu held or before the Sandbox is shared.
func (s *Sandbox) link(phone string) {
	if _, ok := s.wallets[phone]; !ok {
		s.wallets[phone] = &wallet{cash: InitialCash, points: InitialPoints}
	}
	s.linked[phone] = true
	if strings.HasSuffix(phone, SuffixTokenExpired) {
		s.expired[phone] = true
	}
}

// request is a decoded API body: every value as text.
type request map[string]string

func decodeRequest(r *http.Request) (request, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	req := request{}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			req[k] = strings.TrimSpace(v)
		case json.Number:
			req[k] = v.String()
		}
	}
	return req, nil
}

type apiFunc func(req request) (status int, body any)

// envelope is the answer shape of every refusal.
type envelope struct {
	Response     string `json:"response"`
	ResponseCode string `json:"response_code"`
	ResponseDesc string `json:"response_desc"`
}

var responseNames = map[string]string{
	faspay.Paths.Activation:       "Account Activation OVO Open API",
	faspay.Paths.Payment:          "Transfer OVO Open API",
	faspay.Paths.Balance:          "Check Balance OVO Open API",
	faspay.Paths.Unlink:           "Unlink OVO Open API",
	faspay.Paths.History:          "History OVO Open API",
	faspay.Paths.TopUpInstruction: "Top Up Instruction OVO Open API",
}

// api wraps an endpoint with the checks every Faspay endpoint makes.
func (s *Sandbox) api(fn apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := responseNames[r.URL.Path]
		fail := func(status int, desc string) {
			s.opts.Logger.Info("faspay sandbox refused", "path", r.URL.Path, "reason", desc)
			writeJSON(w, status, envelope{name, faspay.CodeFailed, desc})
		}
		req, err := decodeRequest(r)
		if err != nil {
			fail(http.StatusBadRequest, "Invalid request format")
			return
		}
		switch {
		case req["merchant_id"] != s.opts.MerchantID:
			fail(http.StatusOK, "Invalid merchant_id")
			return
		case req["payment_channel"] != s.opts.PaymentChannel:
			fail(http.StatusOK, "Invalid payment channel")
			return
		case !validPhone(req["phone_no"]):
			fail(http.StatusOK, "Invalid phone number")
			return
		case req["signature"] == "":
			fail(http.StatusOK, "Signature is required")
			return
		case !faspay.SignatureEqual(faspay.Signature(s.opts.UserID, s.opts.Password, req["phone_no"]), req["signature"]):
			fail(http.StatusOK, "Invalid signature")
			return
		}
		status, body := fn(req)
		if e, ok := body.(envelope); ok {
			e.Response = name
			body = e
			s.opts.Logger.Info("faspay sandbox answered", "path", r.URL.Path, "response_code", e.ResponseCode, "response_desc", e.ResponseDesc)
		} else {
			s.opts.Logger.Info("faspay sandbox answered", "path", r.URL.Path, "response_code", faspay.CodeSuccess)
		}
		writeJSON(w, status, body)
	}
}

func refuse(desc string) (int, any) {
	return http.StatusOK, envelope{ResponseCode: faspay.CodeFailed, ResponseDesc: desc}
}

func validPhone(p string) bool {
	if len(p) < 10 || len(p) > 14 || !(strings.HasPrefix(p, "08") || strings.HasPrefix(p, "628")) {
		return false
	}
	return strings.Trim(p, "0123456789") == ""
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Sandbox) newSession(kind, phone, trxID string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	s.sessions[tok] = &session{kind: kind, phone: phone, trxID: trxID, expires: s.opts.Now().Add(30 * time.Minute)}
	return tok
}

func (s *Sandbox) pageURL(kind, tok string) string {
	return s.opts.PublicURL + "/ovo/" + kind + "?" + url.Values{"session": {tok}}.Encode()
}

func (s *Sandbox) activation(req request) (int, any) {
	phone := req["phone_no"]
	if req["cust_name"] == "" {
		return refuse("cust_name is required")
	}
	if strings.HasSuffix(phone, SuffixNotRegistered) {
		return refuse("Phone number is not registered as OVO account")
	}
	s.mu.Lock()
	tok := s.newSession("activation", phone, "")
	s.mu.Unlock()
	return http.StatusOK, struct {
		Response     string `json:"response"`
		Status       string `json:"status"`
		Message      string `json:"message"`
		RedirectURL  string `json:"redirectURL"`
		ResponseCode string `json:"response_code"`
		ResponseDesc string `json:"response_desc"`
	}{"Account Activation OVO Open API", "ALLOWED", "SUCCESS", s.pageURL("activation", tok), faspay.CodeSuccess, "Success"}
}

func (s *Sandbox) payment(req request) (int, any) {
	phone, billNo := req["phone_no"], req["bill_no"]
	amount, err := strconv.ParseInt(req["bill_total"], 10, 64)
	switch {
	case billNo == "" || len(billNo) > 32 || strings.Trim(billNo, "0123456789") != "":
		return refuse("Invalid bill_no") // Faspay documents bill_no as Numeric (32)
	case err != nil || amount <= 0:
		return refuse("Invalid bill_total")
	case req["bill_currency"] != "IDR":
		return refuse("Invalid bill_currency")
	case !faspay.PayType(req["pay_type"]).Valid():
		return refuse("Invalid pay_type")
	case req["cust_name"] == "" || req["email"] == "" || req["bill_desc"] == "":
		return refuse("bill_desc, cust_name and email are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.linked[phone] {
		return refuse("Account is not linked")
	}
	if _, dup := s.bills[billNo]; dup {
		return refuse("Duplicate bill_no")
	}
	if s.expired[phone] {
		tok := s.newSession("regenerate", phone, "")
		return http.StatusOK, struct {
			Response     string `json:"response"`
			ResponseCode string `json:"response_code"`
			ResponseDesc string `json:"response_desc"`
			URL          string `json:"url"`
		}{"Transfer OVO Open API", faspay.CodeTokenExpired, "Failed, please regenerate payment token", s.pageURL("regenerate", tok)}
	}
	now := s.opts.Now()
	p := &payment{trxID: s.newTrxID(), billNo: billNo, phone: phone, payType: req["pay_type"], amount: amount, created: now}
	s.payments[p.trxID] = p
	s.bills[billNo] = p.trxID
	tok := s.newSession("payment", phone, p.trxID)
	if amount == AmountExpired {
		p.done = true
		delete(s.sessions, tok)
		s.notifyLocked(p, faspay.StatusExpired, "Payment Expired", "")
	}
	return http.StatusOK, struct {
		Response     string `json:"response"`
		RedirectURL  string `json:"redirectURL"`
		Status       string `json:"status"`
		TrxID        string `json:"trx_id"`
		BillNo       string `json:"bill_no"`
		Amount       string `json:"amount"`
		PaymentDay   string `json:"payment_day"`
		ResponseCode string `json:"response_code"`
		ResponseDesc string `json:"response_desc"`
	}{"Transfer OVO Open API", s.pageURL("payment", tok), "PENDING", p.trxID, billNo, strconv.FormatInt(amount, 10),
		now.In(faspay.Jakarta).Format(faspay.DateTimeLayout), faspay.CodeSuccess, "Success"}
}

// newTrxID makes a 16-digit id starting with the merchant id, like the docs' samples.
func (s *Sandbox) newTrxID() string {
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(1e15))
		id := s.opts.MerchantID + fmt.Sprintf("%015d", n)
		if len(id) > 16 {
			id = id[:16]
		}
		if _, used := s.payments[id]; !used {
			return id
		}
	}
}

type balanceDetail struct {
	Balance string `json:"balance"`
}

func (s *Sandbox) balance(req request) (int, any) {
	phone := req["phone_no"]
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.linked[phone] {
		return refuse("Account is not linked")
	}
	wl := s.wallets[phone]
	type detailT struct {
		Cash   balanceDetail `json:"cash"`
		Points balanceDetail `json:"points"`
	}
	return http.StatusOK, struct {
		Response       string  `json:"response"`
		PhoneNo        string  `json:"phone_no"`
		PaymentChannel string  `json:"payment_channel"`
		MerchantID     string  `json:"merchant_id"`
		Detail         detailT `json:"detail"`
		ResponseCode   string  `json:"response_code"`
		ResponseDesc   string  `json:"response_desc"`
	}{"Check Balance OVO Open API", phone, s.opts.PaymentChannel, s.opts.MerchantID,
		detailT{balanceDetail{strconv.FormatInt(wl.cash, 10)}, balanceDetail{strconv.FormatInt(wl.points, 10)}},
		faspay.CodeSuccess, "Success"}
}

func (s *Sandbox) unlink(req request) (int, any) {
	phone := req["phone_no"]
	if req["merchant"] == "" {
		return refuse("merchant is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.linked[phone] {
		return refuse("Account is not linked")
	}
	delete(s.linked, phone)
	delete(s.expired, phone)
	return http.StatusOK, envelope{ResponseCode: faspay.CodeSuccess, ResponseDesc: "Success"}
}

// TopUpInstructions is the static list from the docs.
var TopUpInstructions = []faspay.TopUpOption{
	{Option: "ATM", Icon: "https://images.ovo.id/fintech/topup/icons/ic_bank_topup.png", URL: "https://images.ovo.id/fintech/topup/topup_atm.html?20181102"},
	{Option: "Internet / Mobile Banking", Icon: "https://images.ovo.id/fintech/topup/icons/ic_mobile_bank_topup.png", URL: "https://images.ovo.id/fintech/topup/topup_mobile.html?20181102"},
	{Option: "Grab", Icon: "https://images.ovo.id/fintech/topup/icons/ic_grab.png", URL: "https://images.ovo.id/fintech/topup/topup_grab.html"},
	{Option: "Tokopedia", Icon: "https://images.ovo.id/fintech/topup/icons/ic_tokopedia.png", URL: "https://images.ovo.id/fintech/topup/topup_tokopedia.html"},
	{Option: "Merchant / Mitra OVO", Icon: "https://images.ovo.id/fintech/topup/icons/ic_merchant_topup.png", URL: "https://images.ovo.id/fintech/topup/topup_merchant.html?20181102"},
}

func (s *Sandbox) topUp(req request) (int, any) {
	phone := req["phone_no"]
	if req["merchant"] == "" {
		return refuse("merchant is required")
	}
	s.mu.Lock()
	linked := s.linked[phone]
	s.mu.Unlock()
	if !linked {
		return refuse("Account is not linked")
	}
	type item struct {
		Option string `json:"option"`
		Icon   string `json:"icon"`
		URL    string `json:"url"`
	}
	list := map[string]item{}
	for i, o := range TopUpInstructions {
		list["instruction_"+strconv.Itoa(i+1)] = item{o.Option, o.Icon, o.URL}
	}
	return http.StatusOK, struct {
		Response         string          `json:"response"`
		PhoneNo          string          `json:"phone_no"`
		MerchantID       string          `json:"merchant_id"`
		PaymentChannel   string          `json:"payment_channel"`
		Merchant         string          `json:"merchant"`
		TopUpInstruction map[string]item `json:"topup_instruction"`
		ResponseCode     string          `json:"response_code"`
		ResponseDesc     string          `json:"response_desc"`
	}{"Top Up Instruction OVO Open API", phone, s.opts.MerchantID, s.opts.PaymentChannel, req["merchant"], list, faspay.CodeSuccess, "Success"}
}

func (s *Sandbox) history(req request) (int, any) {
	phone := req["phone_no"]
	start, err1 := time.ParseInLocation(faspay.DateLayout, req["start_date"], faspay.Jakarta)
	end, err2 := time.ParseInLocation(faspay.DateLayout, req["end_date"], faspay.Jakarta)
	page, err3 := strconv.Atoi(req["page"])
	limit, err4 := strconv.Atoi(req["limit"])
	today := s.opts.Now().In(faspay.Jakarta).Format(faspay.DateLayout)
	switch {
	case req["merchant"] == "":
		return refuse("merchant is required")
	case err1 != nil || err2 != nil:
		return refuse("Invalid date format, use YYYY-MM-DD")
	case end.Before(start) || req["end_date"] > today:
		return refuse("Invalid date range")
	case err3 != nil || err4 != nil || page < 1 || limit < 1 || limit > 100:
		return refuse("Invalid page or limit")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.linked[phone] {
		return refuse("Account is not linked")
	}
	var match []txn
	hist := s.wallets[phone].history
	for i := len(hist) - 1; i >= 0; i-- { // newest first
		d := hist[i].at.In(faspay.Jakarta).Format(faspay.DateLayout)
		if d >= req["start_date"] && d <= req["end_date"] {
			match = append(match, hist[i])
		}
	}
	type amt struct {
		Type string `json:"type"`
		Amt  string `json:"amt"`
	}
	type item struct {
		PaymentDate  string `json:"payment_date"`
		Status       string `json:"status"`
		TrxID        string `json:"trx_id"`
		TrxAmount    string `json:"trx_amount"`
		AmountDetail any    `json:"amount_detail"`
	}
	var list any = "" // an empty list is "", like list_refund in the docs
	from := (page - 1) * limit
	if from < len(match) {
		m := map[string]item{}
		for i, t := range match[from:min(from+limit, len(match))] {
			var ad any
			parts := make([]amt, len(t.details))
			for j, d := range t.details {
				parts[j] = amt{d.kind, strconv.FormatInt(d.amount, 10)}
			}
			if len(parts) == 1 {
				ad = parts[0]
			} else {
				ad = parts
			}
			m["transaction_"+strconv.Itoa(i+1)] = item{t.at.In(faspay.Jakarta).Format(faspay.DateTimeLayout), t.status, t.trxID, strconv.FormatInt(t.amount, 10), ad}
		}
		list = m
	}
	return http.StatusOK, struct {
		Response        string `json:"response"`
		PhoneNo         string `json:"phone_no"`
		MerchantID      string `json:"merchant_id"`
		PaymentChannel  string `json:"payment_channel"`
		Merchant        string `json:"merchant"`
		ListTransaction any    `json:"list_transaction"`
		ListRefund      string `json:"list_refund"`
		ResponseCode    string `json:"response_code"`
		ResponseDesc    string `json:"response_desc"`
	}{"History OVO Open API", phone, s.opts.MerchantID, s.opts.PaymentChannel, req["merchant"], list, "", faspay.CodeSuccess, "Success"}
}

// settle charges the wallet for p; it returns the failure reason, if any.
// Called with s.mu held.
func (s *Sandbox) settleLocked(p *payment) (faspay.PaymentStatus, string) {
	if p.amount == AmountFailed {
		return faspay.StatusFailed, "Payment Failed"
	}
	wl := s.wallets[p.phone]
	var parts []detail
	switch faspay.PayType(p.payType) {
	case faspay.PayCash:
		if wl.cash < p.amount {
			return faspay.StatusFailed, "Insufficient balance"
		}
		parts = []detail{{"CASH", p.amount}}
	case faspay.PayPoints:
		if wl.points < p.amount {
			return faspay.StatusFailed, "Insufficient balance"
		}
		parts = []detail{{"POINTS", p.amount}}
	default:
		if wl.points+wl.cash < p.amount {
			return faspay.StatusFailed, "Insufficient balance"
		}
		fromPoints := min(wl.points, p.amount)
		if fromPoints > 0 {
			parts = append(parts, detail{"POINTS", fromPoints})
		}
		if rest := p.amount - fromPoints; rest > 0 {
			parts = append(parts, detail{"CASH", rest})
		}
	}
	for _, d := range parts {
		if d.kind == "CASH" {
			wl.cash -= d.amount
		} else {
			wl.points -= d.amount
		}
	}
	wl.history = append(wl.history, txn{trxID: p.trxID, billNo: p.billNo, at: s.opts.Now(), status: "SUCCESS", amount: p.amount, details: parts})
	return faspay.StatusSuccess, "Payment Success"
}

func (s *Sandbox) simulateExpireToken(w http.ResponseWriter, r *http.Request) {
	phone := strings.TrimSpace(r.FormValue("phone_no"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.linked[phone] {
		http.Error(w, "phone_no is not linked", http.StatusNotFound)
		return
	}
	s.expired[phone] = true
	fmt.Fprintln(w, "payment token expired for", phone)
}

func (s *Sandbox) simulateTopUp(w http.ResponseWriter, r *http.Request) {
	phone := strings.TrimSpace(r.FormValue("phone_no"))
	amount, err := money.ParseDecimal(r.FormValue("amount"))
	if err != nil || amount <= 0 {
		http.Error(w, "amount must be a positive whole rupiah amount", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wl, ok := s.wallets[phone]
	if !ok {
		http.Error(w, "unknown phone_no; link it first", http.StatusNotFound)
		return
	}
	wl.cash += amount
	fmt.Fprintln(w, "cash balance", wl.cash)
}
