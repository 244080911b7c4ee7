package faspay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultPaymentChannel is the OVO Tokenize channel code.
const DefaultPaymentChannel = "720"

// Jakarta is WIB, the zone of every Faspay local time.
var Jakarta = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*3600)
	}
	return loc
}()

// DateTimeLayout is Faspay's "YYYY-MM-DD HH:MM:SS" (WIB, no zone written).
const DateTimeLayout = "2006-01-02 15:04:05"

// DateLayout is Faspay's "YYYY-MM-DD".
const DateLayout = "2006-01-02"

// ParseTime reads a Faspay local time as WIB.
func ParseTime(s string) (time.Time, error) {
	return time.ParseInLocation(DateTimeLayout, strings.TrimSpace(s), Jakarta)
}

// PayType selects which OVO balance pays.
type PayType string

const (
	PayCash            PayType = "0" // cash only
	PayPoints          PayType = "1" // points only
	PayCashPointsFirst PayType = "2" // cash and points, points first
)

// Valid reports whether p is one of the documented pay types.
func (p PayType) Valid() bool { return p == PayCash || p == PayPoints || p == PayCashPointsFirst }

// ActivationParams links a customer's OVO account.
type ActivationParams struct {
	PhoneNo  string // customer OVO phone number, e.g. 081382826301
	CustName string
}

// Activation is the activation answer: send the customer's browser to RedirectURL.
type Activation struct {
	Response     string
	Status       string // e.g. ALLOWED
	Message      string
	RedirectURL  string // cleaned: "&amp" / "&amp;" turned into "&"
	RawRedirect  string // as Faspay sent it
	ResponseCode string
	ResponseDesc string
}

// PaymentParams charges a linked OVO account.
type PaymentParams struct {
	BillNo       string // merchant order number, unique, up to 32 digits
	BillDesc     string
	BillTotal    int64 // whole rupiah
	BillCurrency string
	PhoneNo      string
	CustName     string
	Email        string
	PayType      PayType // default PayCash
}

// Payment is an accepted payment, still PENDING until the customer enters
// the PIN at RedirectURL; the final state comes with the payment notification.
type Payment struct {
	Response      string
	Status        string // PENDING
	TrxID         string
	BillNo        string
	Amount        int64
	PaymentDay    time.Time // WIB
	PaymentDayRaw string
	RedirectURL   string // cleaned like Activation.RedirectURL
	RawRedirect   string
	ResponseCode  string
	ResponseDesc  string
}

// PhoneParams names a linked OVO account.
type PhoneParams struct {
	PhoneNo string
}

// TopUpInstructionParams asks for the OVO top-up instructions.
type TopUpInstructionParams = PhoneParams

// BalanceParams asks for the OVO cash and points balance.
type BalanceParams = PhoneParams

// UnlinkParams unlinks an OVO account.
type UnlinkParams = PhoneParams

// TopUpOption is one way to top up OVO.
type TopUpOption struct {
	Key    string // instruction_N
	Option string
	Icon   string
	URL    string
}

// TopUpInstruction lists the top-up options in Faspay's order.
type TopUpInstruction struct {
	Response       string
	PhoneNo        string
	MerchantID     string
	PaymentChannel string
	Merchant       string
	Options        []TopUpOption
	ResponseCode   string
	ResponseDesc   string
}

// Balance is the customer's OVO balance in whole rupiah and points.
type Balance struct {
	Response       string
	PhoneNo        string
	PaymentChannel string
	MerchantID     string
	Cash           int64
	Points         int64
	ResponseCode   string
	ResponseDesc   string
}

// HistoryParams pages through OVO Tokenize transactions.
type HistoryParams struct {
	PhoneNo   string
	StartDate time.Time // date part used, in WIB
	EndDate   time.Time
	Page      int // from 1
	Limit     int // per page
}

// AmountDetail is the part of a transaction paid from one balance.
type AmountDetail struct {
	Type   string // CASH or POINTS
	Amount int64
}

// HistoryTransaction is one entry of list_transaction.
type HistoryTransaction struct {
	Key            string // transaction_N
	PaymentDate    time.Time
	PaymentDateRaw string
	Status         string
	TrxID          string
	Amount         int64
	Details        []AmountDetail
}

// History is one page of transactions, in Faspay's order (transaction_1 first).
type History struct {
	Response       string
	PhoneNo        string
	MerchantID     string
	PaymentChannel string
	Merchant       string
	Transactions   []HistoryTransaction
	RawRefunds     json.RawMessage // list_refund as sent; its shape is undocumented
	ResponseCode   string
	ResponseDesc   string
}

// Unlink is the unlink answer.
type Unlink struct {
	Response     string
	ResponseCode string
	ResponseDesc string
}

// flexString accepts a JSON string, number, bool or null: Faspay's
// "Numeric" fields arrive as either.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errors.New("empty value")
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case string(b) == "null":
		*f = ""
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("expected a scalar, got %.20s", b)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			if string(b) == "true" || string(b) == "false" {
				*f = flexString(b)
				return nil
			}
			return err
		}
		*f = flexString(n.String())
	}
	return nil
}

// envelope holds the fields every answer may carry.
type envelope struct {
	Response     flexString `json:"response"`
	ResponseCode flexString `json:"response_code"`
	ResponseDesc flexString `json:"response_desc"`
	URL          flexString `json:"url"`
}

type activationResponse struct {
	envelope
	Status      flexString `json:"status"`
	Message     flexString `json:"message"`
	RedirectURL flexString `json:"redirectURL"`
}

type paymentResponse struct {
	envelope
	RedirectURL flexString `json:"redirectURL"`
	Status      flexString `json:"status"`
	TrxID       flexString `json:"trx_id"`
	BillNo      flexString `json:"bill_no"`
	Amount      flexString `json:"amount"`
	PaymentDay  flexString `json:"payment_day"`
}

type topUpResponse struct {
	envelope
	PhoneNo          flexString      `json:"phone_no"`
	MerchantID       flexString      `json:"merchant_id"`
	PaymentChannel   flexString      `json:"payment_channel"`
	Merchant         flexString      `json:"merchant"`
	TopUpInstruction json.RawMessage `json:"topup_instruction"`
}

type balanceResponse struct {
	envelope
	PhoneNo        flexString `json:"phone_no"`
	PaymentChannel flexString `json:"payment_channel"`
	MerchantID     flexString `json:"merchant_id"`
	Detail         *struct {
		Cash *struct {
			Balance flexString `json:"balance"`
		} `json:"cash"`
		Points *struct {
			Balance flexString `json:"balance"`
		} `json:"points"`
	} `json:"detail"`
}

type historyResponse struct {
	envelope
	PhoneNo         flexString      `json:"phone_no"`
	MerchantID      flexString      `json:"merchant_id"`
	PaymentChannel  flexString      `json:"payment_channel"`
	Merchant        flexString      `json:"merchant"`
	ListTransaction json.RawMessage `json:"list_transaction"`
	ListRefund      json.RawMessage `json:"list_refund"`
}

type historyItem struct {
	PaymentDate  flexString      `json:"payment_date"`
	Status       flexString      `json:"status"`
	TrxID        flexString      `json:"trx_id"`
	TrxAmount    flexString      `json:"trx_amount"`
	AmountDetail json.RawMessage `json:"amount_detail"`
}

type amountDetail struct {
	Type flexString `json:"type"`
	Amt  flexString `json:"amt"`
}

// numberedEntries decodes Faspay's {"prefix_1": {...}, "prefix_2": {...}}
// maps into values ordered by N. Empty lists arrive as "", null, [] or {};
// a JSON array of objects is accepted too.
func numberedEntries(raw json.RawMessage, prefix string) ([]string, []json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return nil, nil, nil
	}
	if raw[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(raw, &arr); err != nil {
			return nil, nil, err
		}
		keys := make([]string, len(arr))
		for i := range arr {
			keys[i] = prefix + strconv.Itoa(i+1)
		}
		return keys, arr, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, err
	}
	type entry struct {
		key string
		n   int
		v   json.RawMessage
	}
	entries := make([]entry, 0, len(m))
	for k, v := range m {
		n := 1 << 30 // unnumbered keys go last, by name
		if suffix, ok := strings.CutPrefix(k, prefix); ok {
			if i, err := strconv.Atoi(suffix); err == nil {
				n = i
			}
		}
		entries = append(entries, entry{k, n, v})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].n != entries[j].n {
			return entries[i].n < entries[j].n
		}
		return entries[i].key < entries[j].key
	})
	keys := make([]string, len(entries))
	vals := make([]json.RawMessage, len(entries))
	for i, e := range entries {
		keys[i], vals[i] = e.key, e.v
	}
	return keys, vals, nil
}

// cleanRedirect undoes the "&amp" mangling seen in Faspay's redirect URLs.
func cleanRedirect(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "&amp;", "&")
	return strings.ReplaceAll(s, "&amp", "&")
}
