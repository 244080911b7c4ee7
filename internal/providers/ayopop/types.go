package ayopop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"backoffice/internal/money"
)

// wib is Jakarta time: Ayopop writes local times without a zone.
var wib = time.FixedZone("WIB", 7*60*60)

// Message is Ayopop's bilingual message object {"ID": ..., "EN": ...}.
type Message struct {
	ID string `json:"ID"`
	EN string `json:"EN"`
}

// UnmarshalJSON also accepts a plain string, which some error answers use.
func (m *Message) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*m = Message{ID: s, EN: s}
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	type plain Message
	return json.Unmarshal(b, (*plain)(m))
}

// Text is the English message, else the Indonesian one.
func (m Message) Text() string {
	if m.EN != "" {
		return m.EN
	}
	return m.ID
}

// Detail is one key/value row of customerDetails, productDetails or extraFields.
// Value keeps the exact text of a string or number.
type Detail struct {
	Key   string
	Value string
}

func (d *Detail) UnmarshalJSON(b []byte) error {
	var raw struct {
		Key   string    `json:"key"`
		Value flexValue `json:"value"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*d = Detail{Key: raw.Key, Value: string(raw.Value)}
	return nil
}

// BillDetail is one row of billDetails ("Harga Produk", "Biaya Administrasi").
type BillDetail struct {
	Key         string
	Value       string // exact text of the value
	Amount      int64  // Value in whole rupiah, when it is a number
	IsAmount    bool
	BillID      string
	IsMandatory bool
}

func (d *BillDetail) UnmarshalJSON(b []byte) error {
	var raw struct {
		Key         string     `json:"key"`
		Value       flexValue  `json:"value"`
		BillID      flexString `json:"billId"`
		IsMandatory bool       `json:"isMandatory"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*d = BillDetail{Key: raw.Key, Value: string(raw.Value), BillID: string(raw.BillID), IsMandatory: raw.IsMandatory}
	if v, err := money.ParseDecimal(d.Value); err == nil {
		d.Amount, d.IsAmount = v, true
	}
	return nil
}

// Inquiry is the answer of /bill/check (responseCode 300).
type Inquiry struct {
	Code            int
	ProviderMessage Message

	InquiryID       int64
	RequestID       string
	RefNumber       string
	AccountNumber   string
	CustomerName    string
	ProductName     string
	ProductCode     string
	Category        string
	Validity        string
	Amount          int64 // price of the product, whole rupiah
	TotalAdmin      int64 // admin fee Ayopop adds, whole rupiah
	CustomerDetails []Detail
	BillDetails     []BillDetail
	ProductDetails  []Detail
	ExtraFields     []json.RawMessage
}

// Total is what the payment will take from the Ayopop deposit.
func (i *Inquiry) Total() int64 { return i.Amount + i.TotalAdmin }

// State is where a top-up stands.
type State string

const (
	StateSuccess State = "success" // code 0: final, the OVO account was topped up
	StatePending State = "pending" // code 299: ask again after StatusCheckDelay
	StateFailed  State = "failed"  // only when FailureIsFinal and the code is in 100–199
	StateUnknown State = "unknown" // any other code: not final, ask again
)

// Final reports whether the state will not change any more.
func (s State) Final() bool { return s == StateSuccess || s == StateFailed }

// StateOf maps a payment/status/callback response code to a State.
func StateOf(code int) State {
	switch {
	case code == CodeSuccess:
		return StateSuccess
	case code == CodeProcessing:
		return StatePending
	case FailureIsFinal && Classify(code) == ClassFailed:
		return StateFailed
	}
	return StateUnknown
}

// Transaction is a top-up as /bill/payment, /bill/status and the callback
// describe it (the three share one shape).
type Transaction struct {
	Code            int
	State           State
	ProviderMessage Message

	RefNumber       string // our reference, sent with the payment
	TransactionID   string // Ayopop's id
	RequestID       string
	AccountNumber   string // OVO phone number
	CustomerName    string
	Amount          int64
	TotalAdmin      int64
	ProcessingFee   int64
	Denom           string
	ProductCode     string
	ProductName     string
	Category        string
	Validity        string
	SerialNumber    string // "token" in Ayopop's JSON: the top-up's serial number (SN) for the receipt
	PaidAt          time.Time
	PaidAtRaw       string // "05 Jan 2021 | 16:42", WIB
	CustomerDetails []Detail
	BillDetails     []BillDetail
	ProductDetails  []Detail
	ExtraFields     []json.RawMessage
}

// Balance is the partner deposit at Ayopop (/partner/balance).
type Balance struct {
	Code            int
	ProviderMessage Message
	Balance         int64
}

// Product is one row of /partner/products.
type Product struct {
	Code      string
	Name      string
	Biller    string
	Category  string
	Type      string // "closed" (fixed denomination) or "open" (amount chosen at inquiry)
	Amount    int64  // price of a closed product
	MinAmount int64  // limits of an open product
	MaxAmount int64
	AdminFee  int64
	Active    bool
}

// IsOpenAmount reports whether the inquiry must carry an amount.
func (p Product) IsOpenAmount() bool { return p.Type == "open" }

// --- wire decoding ---

// flexValue keeps the exact text of a JSON string, number or bool.
type flexValue string

func (f *flexValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexValue(s)
	default: // number, bool, or a nested object kept as raw JSON
		*f = flexValue(b)
	}
	return nil
}

// flexString accepts a JSON string or number (Ayopop sends refNumber both ways).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or number, got %.20q", b)
	}
	*f = flexString(n.String())
	return nil
}

// flexAmount is whole rupiah from a JSON number or decimal string, parsed exactly.
type flexAmount int64

func (f *flexAmount) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if strings.TrimSpace(string(s)) == "" {
		*f = 0
		return nil
	}
	v, err := money.ParseDecimal(string(s))
	if err != nil {
		return err
	}
	*f = flexAmount(v)
	return nil
}

// flexInt is an integer from a JSON number or numeric string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s == "" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		return fmt.Errorf("want an integer, got %.20q", string(s))
	}
	*f = flexInt(v)
	return nil
}

// errNoCode marks an answer without a readable responseCode.
var errNoCode = errors.New("answer has no responseCode")

type envelope struct {
	Success      *bool           `json:"success"`
	ResponseCode *flexInt        `json:"responseCode"`
	Message      Message         `json:"message"`
	Data         json.RawMessage `json:"data"`
}

// decodeEnvelope reads Ayopop's outer object. Numbers stay exact.
func decodeEnvelope(body []byte) (*envelope, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if env.ResponseCode == nil {
		return nil, errNoCode
	}
	if *env.ResponseCode > 1<<31 || *env.ResponseCode < -(1<<31) {
		return nil, errNoCode
	}
	return &env, nil
}

func hasData(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && string(t) != "null"
}

type wireDetails struct {
	CustomerDetails []Detail          `json:"customerDetails"`
	BillDetails     []BillDetail      `json:"billDetails"`
	ProductDetails  []Detail          `json:"productDetails"`
	ExtraFields     []json.RawMessage `json:"extraFields"`
}

type wireInquiry struct {
	InquiryID     flexInt    `json:"inquiryId"`
	RequestID     flexString `json:"requestId"`
	RefNumber     flexString `json:"refNumber"`
	AccountNumber flexString `json:"accountNumber"`
	CustomerName  string     `json:"customerName"`
	ProductName   string     `json:"productName"`
	ProductCode   string     `json:"productCode"`
	Category      string     `json:"category"`
	Validity      string     `json:"validity"`
	Amount        flexAmount `json:"amount"`
	TotalAdmin    flexAmount `json:"totalAdmin"`
	wireDetails
}

func (w *wireInquiry) inquiry(code int, msg Message) *Inquiry {
	return &Inquiry{
		Code: code, ProviderMessage: msg,
		InquiryID: int64(w.InquiryID), RequestID: string(w.RequestID), RefNumber: string(w.RefNumber),
		AccountNumber: string(w.AccountNumber), CustomerName: w.CustomerName, ProductName: w.ProductName,
		ProductCode: w.ProductCode, Category: w.Category, Validity: w.Validity,
		Amount: int64(w.Amount), TotalAdmin: int64(w.TotalAdmin),
		CustomerDetails: w.CustomerDetails, BillDetails: w.BillDetails,
		ProductDetails: w.ProductDetails, ExtraFields: w.ExtraFields,
	}
}

type wireTransaction struct {
	RefNumber     flexString `json:"refNumber"`
	TransactionID flexString `json:"transactionId"`
	RequestID     flexString `json:"requestId"`
	AccountNumber flexString `json:"accountNumber"`
	CustomerName  string     `json:"customerName"`
	Amount        flexAmount `json:"amount"`
	TotalAdmin    flexAmount `json:"totalAdmin"`
	ProcessingFee flexAmount `json:"processingFee"`
	Denom         flexString `json:"denom"`
	ProductCode   string     `json:"productCode"`
	ProductName   string     `json:"productName"`
	Category      string     `json:"category"`
	Validity      string     `json:"validity"`
	Token         flexString `json:"token"`
	wireDetails
}

// paidAtKey is the customerDetails row that carries the payment time.
const paidAtKey = "Tanggal & Waktu Pembayaran"

func (w *wireTransaction) transaction(code int, msg Message) *Transaction {
	t := &Transaction{
		Code: code, State: StateOf(code), ProviderMessage: msg,
		RefNumber: string(w.RefNumber), TransactionID: string(w.TransactionID), RequestID: string(w.RequestID),
		AccountNumber: string(w.AccountNumber), CustomerName: w.CustomerName,
		Amount: int64(w.Amount), TotalAdmin: int64(w.TotalAdmin), ProcessingFee: int64(w.ProcessingFee),
		Denom: string(w.Denom), ProductCode: w.ProductCode, ProductName: w.ProductName,
		Category: w.Category, Validity: w.Validity, SerialNumber: string(w.Token),
		CustomerDetails: w.CustomerDetails, BillDetails: w.BillDetails,
		ProductDetails: w.ProductDetails, ExtraFields: w.ExtraFields,
	}
	for _, d := range w.CustomerDetails {
		if d.Key == paidAtKey {
			t.PaidAtRaw = d.Value
			t.PaidAt, _ = ParseTime(d.Value)
		}
	}
	return t
}

// ParseTime reads Ayopop's display time "05 Jan 2021 | 16:42" as WIB.
func ParseTime(s string) (time.Time, error) {
	return time.ParseInLocation("02 Jan 2006 | 15:04", strings.TrimSpace(s), wib)
}

type wireBalance struct {
	Balance flexAmount `json:"balance"`
}

type wireProduct struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Biller    string     `json:"biller"`
	Category  string     `json:"category"`
	Type      string     `json:"type"`
	Amount    flexAmount `json:"amount"`
	MinAmount flexAmount `json:"minAmount"`
	MaxAmount flexAmount `json:"maxAmount"`
	AdminFee  flexAmount `json:"adminFee"`
	Active    bool       `json:"active"`
}
