// Package sandbox is an in-memory stand-in for Ayopop's biller API (OVO
// top-ups). It serves Ayopop's real paths relative to its root, so the app
// mounts it with http.StripPrefix("/sandbox/ayopop", sb) and points the
// client's BaseURL at ".../sandbox/ayopop".
//
// What it checks, like Ayopop: method POST; KEY header (HTTP 401, code 401);
// VERSION "1.0" (HTTP 400, code 405); TOKEN is an HS256 JWT signed with the
// partner secret (any other alg, "none" included, or a bad signature: HTTP
// 401, code 402); partnerId inside the TOKEN (HTTP 401, code 403). The
// parameters are read from the TOKEN's payload, not from the body.
// Other business errors answer HTTP 200 with success:false.
//
// Products (GET them with /api/v1/partner/products):
//
//	AYOVO10, AYOVO20, AYOVO50, AYOVO100  closed amount: price = denomination + Rp 1.300, admin 0
//	AYOVOOPEN                            open amount Rp 10.000–2.000.000, admin Rp 1.500
//	AYOVO5                               switched off (inquiry answers 302)
//
// Triggers, by the last four digits of the OVO phone number (accountNumber):
//
//	...0000  inquiry fails: 301 number not registered
//	...9001  payment answers 299, then after SettleDelay the top-up fails (101), deposit refunded, callback sent
//	...9002  payment answers 299 and stays pending (status 299, no callback) until /simulate/settle
//	...9003  payment is booked but its answer is lost: HTTP 504 with an HTML body; it settles as success
//	other    payment answers 299, then code 0 after SettleDelay with a serial number, callback sent
//
// Other answers: unknown or inactive product 302; open amount outside the
// limits 303; payment without a matching unused inquiry (same account,
// product and amount) 304; refNumber already used 305; missing fields 306;
// deposit below amount + admin fee 102 (nothing booked); status of an unknown
// refNumber 404. The partner deposit starts at InitialBalance and decreases
// by amount + admin fee on every booked payment.
//
// Simulate endpoint (no credentials): POST /simulate/settle with form or
// query fields refNumber and status=success|failed settles a pending top-up
// now and sends its callback.
//
// Callbacks: the status JSON POSTed to Options.CallbackURL (which may carry
// ?token=...), up to 4 attempts until a 2xx answer.
//
// To use the real Ayopop instead, set AYOPOP_BASE_URL (e.g.
// https://dev.openapi.ayopop.id), AYOPOP_PARTNER_ID, AYOPOP_API_KEY,
// AYOPOP_SECRET, and register DASHBOARD_BASE_URL + /callbacks/ayopop?token=
// AYOPOP_CALLBACK_TOKEN as the callback URL in Ayopop's partner dashboard.
package sandbox

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"backoffice/internal/money"
	"backoffice/internal/providers/ayopop"
)

// Options configure a Sandbox. Empty credentials get the defaults below.
type Options struct {
	PartnerID string // default "sandbox-partner"
	APIKey    string // default "sandbox-key"
	Secret    string // default "sandbox-secret"

	PublicURL   string       // absolute URL of the sandbox root (informational; Ayopop has no redirects)
	CallbackURL string       // where top-up callbacks are POSTed; empty: none sent
	HTTPClient  *http.Client // for callbacks; default a client with a 10 s timeout

	SettleDelay    time.Duration // 299 → final; default 3 s
	CallbackRetry  time.Duration // wait between callback attempts; default 1 s
	InitialBalance int64         // partner deposit; default Rp 10.000.000

	Logger *slog.Logger
	Now    func() time.Time // default time.Now
}

// Default credentials, for `make run`.
const (
	DefaultPartnerID = "sandbox-partner"
	DefaultAPIKey    = "sandbox-key"
	DefaultSecret    = "sandbox-secret"
)

type product struct {
	Code, Name, Type   string
	Denom, Price       int64 // closed products
	Min, Max, AdminFee int64
	Active             bool
}

var products = []product{
	{Code: "AYOVO10", Name: "OVO Cash Rp 10.000", Type: "closed", Denom: 10000, Price: 11300, Active: true},
	{Code: "AYOVO20", Name: "OVO Cash Rp 20.000", Type: "closed", Denom: 20000, Price: 21300, Active: true},
	{Code: "AYOVO50", Name: "OVO Cash Rp 50.000", Type: "closed", Denom: 50000, Price: 51300, Active: true},
	{Code: "AYOVO100", Name: "OVO Cash Rp 100.000", Type: "closed", Denom: 100000, Price: 101300, Active: true},
	{Code: "AYOVOOPEN", Name: "OVO Cash Bebas Nominal", Type: "open", Min: 10000, Max: 2000000, AdminFee: 1500, Active: true},
	{Code: "AYOVO5", Name: "OVO Cash Rp 5.000", Type: "closed", Denom: 5000, Price: 6300, Active: false},
}

func findProduct(code string) (product, bool) {
	for _, p := range products {
		if p.Code == code {
			return p, true
		}
	}
	return product{}, false
}

type inquiry struct {
	id                         int64
	requestID                  string
	account, productCode, name string
	amount, admin              int64
	used                       bool
}

type txn struct {
	refNumber     string
	transactionID int64
	requestID     string
	account, name string
	product       product
	amount, admin int64
	code          int
	serial        string
	paidAt        time.Time
}

// Sandbox is the fake Ayopop. Safe for concurrent use.
type Sandbox struct {
	opts   Options
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	balance   int64
	nextInq   int64
	nextRef   int64
	nextTxn   int64
	inquiries map[int64]*inquiry
	txns      map[string]*txn
}

// New starts a sandbox; call Close to stop its timers and callbacks.
func New(opts Options) *Sandbox {
	if opts.PartnerID == "" {
		opts.PartnerID = DefaultPartnerID
	}
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.Secret == "" {
		opts.Secret = DefaultSecret
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.SettleDelay <= 0 {
		opts.SettleDelay = 3 * time.Second
	}
	if opts.CallbackRetry <= 0 {
		opts.CallbackRetry = time.Second
	}
	if opts.InitialBalance == 0 {
		opts.InitialBalance = 10_000_000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Sandbox{
		opts: opts, log: log, ctx: ctx, cancel: cancel,
		balance: opts.InitialBalance, nextInq: 8383992, nextRef: 7468483, nextTxn: 48372060,
		inquiries: map[int64]*inquiry{}, txns: map[string]*txn{},
	}
}

// Close stops pending settlements and callbacks and waits for them.
func (s *Sandbox) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// spawn runs fn in the background unless the sandbox is closed, so that
// Close can wait for every goroutine.
func (s *Sandbox) spawn(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}

// Balance is the current partner deposit (for tests and the demo screen).
func (s *Sandbox) Balance() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.balance
}

// ServeHTTP routes Ayopop's paths.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/simulate/settle" {
		s.simulateSettle(w, r)
		return
	}
	var handle func(http.ResponseWriter, []byte)
	switch r.URL.Path {
	case ayopop.PathInquiry:
		handle = s.inquiry
	case ayopop.PathPayment:
		handle = s.payment
	case ayopop.PathStatus:
		handle = s.status
	case ayopop.PathBalance:
		handle = s.partnerBalance
	case ayopop.PathProducts:
		handle = s.productList
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, failure(ayopop.CodeBadRequest))
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("KEY")), []byte(s.opts.APIKey)) != 1 {
		writeJSON(w, http.StatusUnauthorized, failure(ayopop.CodeInvalidKey))
		return
	}
	if v := r.Header.Get("VERSION"); v != ayopop.APIVersion {
		writeJSON(w, http.StatusBadRequest, failure(ayopop.CodeUnsupportedVersion))
		return
	}
	payload, err := ayopop.VerifyToken([]byte(s.opts.Secret), r.Header.Get("TOKEN"))
	if err != nil {
		s.log.Info("ayopop sandbox: TOKEN refused", slog.String("path", r.URL.Path), slog.String("reason", err.Error()))
		writeJSON(w, http.StatusUnauthorized, failure(ayopop.CodeInvalidToken))
		return
	}
	var partner struct {
		PartnerID string `json:"partnerId"`
	}
	if json.Unmarshal(payload, &partner) != nil || subtle.ConstantTimeCompare([]byte(partner.PartnerID), []byte(s.opts.PartnerID)) != 1 {
		writeJSON(w, http.StatusUnauthorized, failure(ayopop.CodePartnerMismatch))
		return
	}
	handle(w, payload)
}

// --- wire shapes, field for field as on Ayopop's page ---

type message struct {
	ID string `json:"ID"`
	EN string `json:"EN"`
}

var messages = map[int]message{
	ayopop.CodeSuccess:             {"Transaksi Anda Telah Berhasil", "Your transaction was successful"},
	ayopop.CodeProcessing:          {"Transaksi sedang dalam proses", "Your transaction is processing"},
	ayopop.CodeInquirySuccess:      {"Inkuiri berhasil", "Inquiry is successful"},
	ayopop.CodeTopUpFailed:         {"Transaksi gagal", "Your transaction failed"},
	ayopop.CodeInsufficientBalance: {"Saldo deposit tidak mencukupi", "Insufficient deposit balance"},
	ayopop.CodeAccountNotFound:     {"Nomor pelanggan tidak terdaftar", "Customer number is not registered"},
	ayopop.CodeProductNotFound:     {"Produk tidak ditemukan", "Product not found"},
	ayopop.CodeAmountInvalid:       {"Nominal tidak valid", "Invalid amount"},
	ayopop.CodeInquiryNotFound:     {"Inkuiri tidak ditemukan", "Inquiry not found"},
	ayopop.CodeDuplicateRefNumber:  {"Nomor referensi sudah digunakan", "Reference number already used"},
	ayopop.CodeBadRequest:          {"Permintaan tidak valid", "Invalid request"},
	ayopop.CodeInvalidKey:          {"KEY tidak valid", "Invalid KEY"},
	ayopop.CodeInvalidToken:        {"TOKEN tidak valid", "Invalid TOKEN"},
	ayopop.CodePartnerMismatch:     {"Partner tidak valid", "Invalid partner"},
	ayopop.CodeTransactionNotFound: {"Transaksi tidak ditemukan", "Transaction not found"},
	ayopop.CodeUnsupportedVersion:  {"Versi tidak didukung", "Unsupported version"},
}

var okMessage = message{"Berhasil", "Successful"}

type response struct {
	Success      bool    `json:"success"`
	ResponseCode int     `json:"responseCode"`
	Message      message `json:"message"`
	Data         any     `json:"data"`
}

func failure(code int) response {
	return response{Success: false, ResponseCode: code, Message: messages[code], Data: struct{}{}}
}

type kv struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

type billDetail struct {
	Key         string `json:"key"`
	Value       int64  `json:"value"`
	BillID      string `json:"billId"`
	IsMandatory bool   `json:"isMandatory"`
	BillInfo    []any  `json:"billInfo"`
}

type statusBillDetail struct {
	Key    string `json:"key"`
	Value  int64  `json:"value"`
	BillID string `json:"billId"`
}

type inquiryData struct {
	InquiryID       int64        `json:"inquiryId"`
	RequestID       string       `json:"requestId"`
	RefNumber       int64        `json:"refNumber"`
	AccountNumber   string       `json:"accountNumber"`
	CustomerName    string       `json:"customerName"`
	ProductName     string       `json:"productName"`
	ProductCode     string       `json:"productCode"`
	Category        string       `json:"category"`
	Validity        string       `json:"validity"`
	Amount          int64        `json:"amount"`
	TotalAdmin      int64        `json:"totalAdmin"`
	CustomerDetails []kv         `json:"customerDetails"`
	BillDetails     []billDetail `json:"billDetails"`
	ProductDetails  []kv         `json:"productDetails"`
	ExtraFields     []any        `json:"extraFields"`
}

type paymentData struct {
	RefNumber       string `json:"refNumber"`
	TransactionID   int64  `json:"transactionId"`
	AccountNumber   string `json:"accountNumber"`
	Amount          int64  `json:"amount"`
	TotalAdmin      int64  `json:"totalAdmin"`
	ProcessingFee   int64  `json:"processingFee"`
	Denom           string `json:"denom"`
	ProductCode     string `json:"productCode"`
	ProductName     string `json:"productName"`
	Category        string `json:"category"`
	Token           string `json:"token"`
	CustomerDetails []kv   `json:"customerDetails"`
	BillDetails     []any  `json:"billDetails"`
	ProductDetails  []kv   `json:"productDetails"`
	ExtraFields     []any  `json:"extraFields"`
}

type statusData struct {
	RefNumber       any                `json:"refNumber"` // a number when it is all digits, as on the page
	TransactionID   int64              `json:"transactionId"`
	RequestID       string             `json:"requestId"`
	AccountNumber   string             `json:"accountNumber"`
	CustomerName    string             `json:"customerName"`
	Amount          int64              `json:"amount"`
	TotalAdmin      int64              `json:"totalAdmin"`
	ProductCode     string             `json:"productCode"`
	ProductName     string             `json:"productName"`
	Category        string             `json:"category"`
	Validity        string             `json:"validity"`
	Token           string             `json:"token"`
	CustomerDetails []kv               `json:"customerDetails"`
	BillDetails     []statusBillDetail `json:"billDetails"`
	ProductDetails  []kv               `json:"productDetails"`
	ExtraFields     []any              `json:"extraFields"`
}

type productData struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Biller    string `json:"biller"`
	Category  string `json:"category"`
	Type      string `json:"type"`
	Amount    int64  `json:"amount"`
	MinAmount int64  `json:"minAmount"`
	MaxAmount int64  `json:"maxAmount"`
	AdminFee  int64  `json:"adminFee"`
	Active    bool   `json:"active"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// --- requests ---

// request holds every parameter a TOKEN payload may carry; strings and
// numbers are both accepted and kept as text.
type request struct {
	PartnerID     string
	RefNumber     json.Number
	AccountNumber string
	ProductCode   string
	Amount        json.Number
	InquiryID     json.Number
}

func decodeRequest(payload []byte) (request, bool) {
	var raw map[string]json.RawMessage
	if json.Unmarshal(payload, &raw) != nil {
		return request{}, false
	}
	var r request
	r.PartnerID = str(raw["partnerId"])
	r.RefNumber = json.Number(str(raw["refNumber"]))
	r.AccountNumber = str(raw["accountNumber"])
	r.ProductCode = str(raw["productCode"])
	r.Amount = json.Number(str(raw["amount"]))
	r.InquiryID = json.Number(str(raw["inquiryId"]))
	return r, true
}

// str is the text of a JSON string or number; "" otherwise.
func str(b json.RawMessage) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ""
	}
	if b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return ""
		}
		return s
	}
	var n json.Number
	if json.Unmarshal(b, &n) != nil {
		return ""
	}
	return n.String()
}

func amountOf(n json.Number) (int64, bool) {
	if n == "" {
		return 0, true
	}
	v, err := money.ParseDecimal(string(n))
	return v, err == nil && v >= 0
}

var phonePattern = regexp.MustCompile(`^08[0-9]{8,11}$`)

func trigger(account string) string {
	if len(account) < 4 {
		return ""
	}
	return account[len(account)-4:]
}

var names = []string{"BUDI SANTOSO", "SITI RAHAYU", "AGUS PRATAMA", "DEWI LESTARI", "RINA WULANDARI"}

func customerName(account string) string {
	sum := 0
	for _, c := range account {
		sum += int(c)
	}
	return names[sum%len(names)]
}

var wib = time.FixedZone("WIB", 7*60*60)

func displayTime(t time.Time) string { return t.In(wib).Format("02 Jan 2006 | 15:04") }

func (s *Sandbox) inquiry(w http.ResponseWriter, payload []byte) {
	req, ok := decodeRequest(payload)
	if !ok || req.AccountNumber == "" || req.ProductCode == "" {
		writeJSON(w, http.StatusOK, failure(ayopop.CodeBadRequest))
		return
	}
	p, ok := findProduct(req.ProductCode)
	if !ok || !p.Active {
		writeJSON(w, http.StatusOK, failure(ayopop.CodeProductNotFound))
		return
	}
	if !phonePattern.MatchString(req.AccountNumber) {
		writeJSON(w, http.StatusOK, failure(ayopop.CodeBadRequest))
		return
	}
	if trigger(req.AccountNumber) == "0000" {
		writeJSON(w, http.StatusOK, failure(ayopop.CodeAccountNotFound))
		return
	}
	amount, ok := amountOf(req.Amount)
	if !ok {
		writeJSON(w, http.StatusOK, failure(ayopop.CodeAmountInvalid))
		return
	}
	if p.Type == "open" {
		if amount < p.Min || amount > p.Max {
			writeJSON(w, http.StatusOK, failure(ayopop.CodeAmountInvalid))
			return
		}
	} else {
		amount = p.Price // a closed product ignores any amount sent
	}

	now := s.opts.Now()
	s.mu.Lock()
	s.nextInq++
	s.nextRef++
	inq := &inquiry{
		id: s.nextInq, requestID: fmt.Sprintf("%015d", now.UnixMicro()%1e15),
		account: req.AccountNumber, productCode: p.Code, name: customerName(req.AccountNumber),
		amount: amount, admin: p.AdminFee,
	}
	s.inquiries[inq.id] = inq
	ref := s.nextRef
	s.mu.Unlock()

	writeJSON(w, http.StatusOK, response{
		Success: true, ResponseCode: ayopop.CodeInquirySuccess, Message: messages[ayopop.CodeInquirySuccess],
		Data: inquiryData{
			InquiryID: inq.id, RequestID: inq.requestID, RefNumber: ref,
			AccountNumber: inq.account, CustomerName: inq.name,
			ProductName: p.Name, ProductCode: p.Code, Category: "eMoney", Validity: "",
			Amount: amount, TotalAdmin: p.AdminFee,
			CustomerDetails: customerDetails(inq.name, now, inq.account),
			BillDetails: []billDetail{
				{Key: "Harga Produk", Value: amount, BillID: "1", IsMandatory: true, BillInfo: []any{}},
				{Key: "Biaya Administrasi", Value: p.AdminFee, BillID: "0", IsMandatory: true, BillInfo: []any{}},
			},
			ProductDetails: []kv{}, ExtraFields: []any{},
		},
	})
}

func customerDetails(name string, t time.Time, account string) []kv {
	return []kv{
		{Key: "Nama Pelanggan", Value: name},
		{Key: "Tanggal & Waktu Pembayaran", Value: displayTime(t)},
		{Key: "Nomor HP", Value: account},
	}
}

func (s *Sandbox) payment(w http.ResponseWriter, payload []byte) {
	req, ok := decodeRequest(payload)
	ref := string(req.RefNumber)
	if !ok || ref == "" || req.AccountNumber == "" || req.ProductCode == "" || req.Amount == "" || req.InquiryID == "" {
		writeJSON(w, http.StatusOK, failure(ayopop.CodeBadRequest))
		return
	}
	amount, okAmount := amountOf(req.Amount)
	inquiryID, errID := strconv.ParseInt(string(req.InquiryID), 10, 64)
	if !okAmount || errID != nil {
		writeJSON(w, http.StatusOK, failure(ayopop.CodeBadRequest))
		return
	}

	s.mu.Lock()
	if _, dup := s.txns[ref]; dup {
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, failure(ayopop.CodeDuplicateRefNumber))
		return
	}
	inq := s.inquiries[inquiryID]
	if inq == nil || inq.used || inq.account != req.AccountNumber || inq.productCode != req.ProductCode || inq.amount != amount {
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, failure(ayopop.CodeInquiryNotFound))
		return
	}
	if s.balance < inq.amount+inq.admin {
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, failure(ayopop.CodeInsufficientBalance))
		return
	}
	p, _ := findProduct(inq.productCode)
	inq.used = true
	s.balance -= inq.amount + inq.admin
	s.nextTxn++
	t := &txn{
		refNumber: ref, transactionID: s.nextTxn, requestID: inq.requestID,
		account: inq.account, name: inq.name, product: p,
		amount: inq.amount, admin: inq.admin, code: ayopop.CodeProcessing, paidAt: s.opts.Now(),
	}
	s.txns[ref] = t
	s.mu.Unlock()

	if trigger(t.account) != "9002" {
		s.settleLater(ref)
	}
	if trigger(t.account) == "9003" {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusGatewayTimeout)
		_, _ = io.WriteString(w, "<html><body><h1>504 Gateway Time-out</h1></body></html>\n")
		return
	}
	writeJSON(w, http.StatusOK, response{
		Success: true, ResponseCode: ayopop.CodeProcessing, Message: messages[ayopop.CodeProcessing],
		Data: paymentData{
			RefNumber: ref, TransactionID: t.transactionID, AccountNumber: t.account,
			Amount: t.amount, TotalAdmin: t.admin, ProcessingFee: 0, Denom: "",
			ProductCode: p.Code, ProductName: p.Name, Category: "eMoney", Token: "",
			CustomerDetails: []kv{}, BillDetails: []any{}, ProductDetails: []kv{}, ExtraFields: []any{},
		},
	})
}

// settleLater finishes a processing top-up after SettleDelay.
func (s *Sandbox) settleLater(ref string) {
	s.spawn(func() {
		timer := time.NewTimer(s.opts.SettleDelay)
		defer timer.Stop()
		select {
		case <-s.ctx.Done():
			return
		case <-timer.C:
		}
		s.mu.Lock()
		t := s.txns[ref]
		fail := t != nil && trigger(t.account) == "9001"
		s.mu.Unlock()
		s.settle(ref, !fail)
	})
}

// settle moves a processing top-up to its final code and sends the callback.
func (s *Sandbox) settle(ref string, success bool) bool {
	s.mu.Lock()
	t := s.txns[ref]
	if t == nil || t.code != ayopop.CodeProcessing {
		s.mu.Unlock()
		return false
	}
	t.paidAt = s.opts.Now()
	if success {
		t.code = ayopop.CodeSuccess
		t.serial = t.paidAt.In(wib).Format("060102") + "AY" + strconv.FormatInt(t.transactionID%100000000, 10)
	} else {
		t.code = ayopop.CodeTopUpFailed
		s.balance += t.amount + t.admin
	}
	body := statusResponse(t)
	s.mu.Unlock()
	s.sendCallback(body)
	return true
}

func statusResponse(t *txn) response {
	var ref any = t.refNumber
	if n, err := strconv.ParseInt(t.refNumber, 10, 64); err == nil && strconv.FormatInt(n, 10) == t.refNumber {
		ref = n
	}
	productDetails := []kv{}
	if t.serial != "" {
		productDetails = append(productDetails, kv{Key: "Serial Nomor", Value: t.serial})
	}
	return response{
		Success: t.code == ayopop.CodeSuccess, ResponseCode: t.code, Message: messages[t.code],
		Data: statusData{
			RefNumber: ref, TransactionID: t.transactionID, RequestID: t.requestID,
			AccountNumber: t.account, CustomerName: t.name, Amount: t.amount, TotalAdmin: t.admin,
			ProductCode: t.product.Code, ProductName: t.product.Name, Category: "eMoney", Validity: "",
			Token:           t.serial,
			CustomerDetails: customerDetails(t.name, t.paidAt, t.account),
			BillDetails: []statusBillDetail{
				{Key: "Harga Produk", Value: t.amount, BillID: "1"},
				{Key: "Biaya Administrasi", Value: t.admin, BillID: "0"},
			},
			ProductDetails: productDetails, ExtraFields: []any{},
		},
	}
}

func (s *Sandbox) sendCallback(body response) {
	if s.opts.CallbackURL == "" {
		return
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return
	}
	s.spawn(func() {
		for attempt := 1; attempt <= 4; attempt++ {
			if s.postCallback(raw) {
				return
			}
			timer := time.NewTimer(s.opts.CallbackRetry * time.Duration(attempt))
			select {
			case <-s.ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
			}
		}
		s.log.Warn("ayopop sandbox: callback gave up after 4 attempts")
	})
}

func (s *Sandbox) postCallback(raw []byte) bool {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opts.CallbackURL, bytes.NewReader(raw))
	if err != nil {
		s.log.Warn("ayopop sandbox: bad callback URL")
		return true // retrying cannot help
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		s.log.Info("ayopop sandbox: callback failed", slog.String("error", redactURL(err.Error(), s.opts.CallbackURL)))
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}

// redactURL keeps the callback's ?token= out of the log.
func redactURL(msg, url string) string {
	if i := strings.IndexByte(url, '?'); i >= 0 {
		msg = strings.ReplaceAll(msg, url, url[:i]+"?REDACTED")
	}
	return msg
}

func (s *Sandbox) status(w http.ResponseWriter, payload []byte) {
	req, ok := decodeRequest(payload)
	if !ok || req.RefNumber == "" {
		writeJSON(w, http.StatusOK, failure(ayopop.CodeBadRequest))
		return
	}
	s.mu.Lock()
	t := s.txns[string(req.RefNumber)]
	var body response
	if t != nil {
		body = statusResponse(t)
	}
	s.mu.Unlock()
	if t == nil {
		writeJSON(w, http.StatusOK, failure(ayopop.CodeTransactionNotFound))
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Sandbox) partnerBalance(w http.ResponseWriter, _ []byte) {
	writeJSON(w, http.StatusOK, response{Success: true, ResponseCode: ayopop.CodeSuccess, Message: okMessage,
		Data: struct {
			Balance int64 `json:"balance"`
		}{s.Balance()}})
}

func (s *Sandbox) productList(w http.ResponseWriter, _ []byte) {
	out := make([]productData, 0, len(products))
	for _, p := range products {
		out = append(out, productData{Code: p.Code, Name: p.Name, Biller: "OVO", Category: "eMoney", Type: p.Type,
			Amount: p.Price, MinAmount: p.Min, MaxAmount: p.Max, AdminFee: p.AdminFee, Active: p.Active})
	}
	writeJSON(w, http.StatusOK, response{Success: true, ResponseCode: ayopop.CodeSuccess, Message: okMessage, Data: out})
}

func (s *Sandbox) simulateSettle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	ref := r.FormValue("refNumber")
	status := r.FormValue("status")
	if ref == "" || (status != "success" && status != "failed") {
		http.Error(w, "refNumber and status=success|failed are required", http.StatusBadRequest)
		return
	}
	if !s.settle(ref, status == "success") {
		http.Error(w, fmt.Sprintf("no processing top-up with refNumber %q", ref), http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"refNumber": ref, "status": status})
}
