package faspay

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"

	"backoffice/internal/money"
)

// Sentinel errors of callback parsing and verification.
var (
	ErrMalformed        = errors.New("faspay: malformed callback")
	ErrMissingSignature = errors.New("faspay: callback has no signature")
	ErrBadSignature     = errors.New("faspay: callback signature does not match")
)

// ActivationCallback is the GET Faspay sends when a linking ends. It carries
// no signature: the dashboard must protect its URL (secret token) and treat
// the result as a hint, confirming the link with a Balance call.
type ActivationCallback struct {
	Response     string
	PhoneNumber  string
	ResponseCode string // normalised, "00" = linked
	ResponseDesc string
}

// Success reports whether the account was linked.
func (a *ActivationCallback) Success() bool { return a.ResponseCode == CodeSuccess }

// DedupKey identifies a repeated callback.
func (a *ActivationCallback) DedupKey() string {
	return "faspay:activation:" + a.PhoneNumber + ":" + a.ResponseCode
}

// References are the ids a clerk would search for.
func (a *ActivationCallback) References() []string { return []string{a.PhoneNumber} }

// ParseActivationCallback reads the activation callback's query parameters.
func ParseActivationCallback(q url.Values) (*ActivationCallback, error) {
	a := &ActivationCallback{
		Response:     strings.TrimSpace(q.Get("response")),
		PhoneNumber:  strings.TrimSpace(q.Get("phone_number")),
		ResponseCode: NormalizeCode(q.Get("response_code")),
		ResponseDesc: strings.TrimSpace(q.Get("response_desc")),
	}
	if !isPhone(a.PhoneNumber) {
		return nil, fmt.Errorf("%w: phone_number missing or not numeric", ErrMalformed)
	}
	if a.ResponseCode == "" || !isDigits(a.ResponseCode) {
		return nil, fmt.Errorf("%w: response_code missing or not numeric", ErrMalformed)
	}
	return a, nil
}

// PaymentStatus is payment_status_code of the payment notification.
type PaymentStatus string

// Payment status codes from Faspay's debit payment notification page.
const (
	StatusUnprocessed PaymentStatus = "0"
	StatusInProcess   PaymentStatus = "1"
	StatusSuccess     PaymentStatus = "2"
	StatusFailed      PaymentStatus = "3"
	StatusReversal    PaymentStatus = "4"
	StatusNoBill      PaymentStatus = "5"
	StatusExpired     PaymentStatus = "7"
	StatusCancelled   PaymentStatus = "8"
	StatusUnknown     PaymentStatus = "9"
)

var statusText = map[PaymentStatus]string{
	StatusUnprocessed: "The payment has not been processed yet.",
	StatusInProcess:   "The payment is being processed.",
	StatusSuccess:     "The customer paid.",
	StatusFailed:      "The payment failed; the customer was not charged.",
	StatusReversal:    "The payment was reversed; the money went back to the customer.",
	StatusNoBill:      "Faspay found no bill for this payment.",
	StatusExpired:     "The payment expired before the customer confirmed it.",
	StatusCancelled:   "The payment was cancelled.",
	StatusUnknown:     "Faspay does not know the payment's state; check the transaction history.",
}

// Description is a sentence for a clerk.
func (s PaymentStatus) Description() string {
	if t, ok := statusText[s]; ok {
		return t
	}
	return "Faspay sent a payment status this dashboard does not know; check the transaction history."
}

// Known reports whether s is a documented code.
func (s PaymentStatus) Known() bool { _, ok := statusText[s]; return ok }

// Final reports whether no further change is expected: success, failed,
// reversal, no bill, expired, cancelled.
func (s PaymentStatus) Final() bool {
	switch s {
	case StatusSuccess, StatusFailed, StatusReversal, StatusNoBill, StatusExpired, StatusCancelled:
		return true
	}
	return false
}

// Paid reports whether the customer's money reached the merchant.
func (s PaymentStatus) Paid() bool { return s == StatusSuccess }

// PaymentNotification is Faspay's POST after a payment changes state.
type PaymentNotification struct {
	Request           string
	TrxID             string
	MerchantID        string
	Merchant          string
	BillNo            string
	PaymentReff       string
	PaymentDate       time.Time // WIB; zero when Faspay sent none
	PaymentDateRaw    string
	StatusCode        PaymentStatus
	StatusDesc        string
	BillTotal         int64
	PaymentTotal      int64
	PaymentChannelUID string
	PaymentChannel    string
	Signature         string
}

// DedupKey identifies a repeated notification (Faspay retries three times).
func (n *PaymentNotification) DedupKey() string {
	return "faspay:payment:" + n.TrxID + ":" + n.BillNo + ":" + string(n.StatusCode)
}

// References are the ids a clerk would search for.
func (n *PaymentNotification) References() []string {
	refs := []string{}
	for _, r := range []string{n.TrxID, n.BillNo, n.PaymentReff} {
		if r != "" {
			refs = append(refs, r)
		}
	}
	return refs
}

// notificationFields lists every field name, for the form and XML decoders.
type notificationWire struct {
	Request           flexString `json:"request" xml:"request"`
	TrxID             flexString `json:"trx_id" xml:"trx_id"`
	MerchantID        flexString `json:"merchant_id" xml:"merchant_id"`
	Merchant          flexString `json:"merchant" xml:"merchant"`
	BillNo            flexString `json:"bill_no" xml:"bill_no"`
	PaymentReff       flexString `json:"payment_reff" xml:"payment_reff"`
	PaymentDate       flexString `json:"payment_date" xml:"payment_date"`
	PaymentStatusCode flexString `json:"payment_status_code" xml:"payment_status_code"`
	PaymentStatusDesc flexString `json:"payment_status_desc" xml:"payment_status_desc"`
	BillTotal         flexString `json:"bill_total" xml:"bill_total"`
	PaymentTotal      flexString `json:"payment_total" xml:"payment_total"`
	PaymentChannelUID flexString `json:"payment_channel_uid" xml:"payment_channel_uid"`
	PaymentChannel    flexString `json:"payment_channel" xml:"payment_channel"`
	Signature         flexString `json:"signature" xml:"signature"`
}

// ParsePaymentNotification reads a payment notification body. Faspay's page
// does not state the encoding, so three are accepted: JSON (what the sandbox
// sends, and Faspay's other JSON notifications use), form-encoded, and the
// <faspay> XML of the XML variant. The body decides (its first byte); the
// content type is used only when the body is ambiguous. Numbers may arrive as
// JSON numbers or strings. Amounts must be whole rupiah.
func ParsePaymentNotification(contentType string, body []byte) (*PaymentNotification, error) {
	var w notificationWire
	trimmed := bytes.TrimSpace(body)
	mediaType, _, _ := mime.ParseMediaType(contentType)
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("%w: empty body", ErrMalformed)
	case trimmed[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&w); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%w: trailing data", ErrMalformed)
		}
	case trimmed[0] == '<' || strings.HasSuffix(mediaType, "xml"):
		var x struct {
			XMLName xml.Name
			notificationWire
		}
		if err := xml.Unmarshal(trimmed, &x); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		w = x.notificationWire
		w.trimAll()
	default:
		q, err := url.ParseQuery(string(trimmed))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		w = notificationWire{
			Request: flexString(q.Get("request")), TrxID: flexString(q.Get("trx_id")),
			MerchantID: flexString(q.Get("merchant_id")), Merchant: flexString(q.Get("merchant")),
			BillNo: flexString(q.Get("bill_no")), PaymentReff: flexString(q.Get("payment_reff")),
			PaymentDate: flexString(q.Get("payment_date")), PaymentStatusCode: flexString(q.Get("payment_status_code")),
			PaymentStatusDesc: flexString(q.Get("payment_status_desc")), BillTotal: flexString(q.Get("bill_total")),
			PaymentTotal: flexString(q.Get("payment_total")), PaymentChannelUID: flexString(q.Get("payment_channel_uid")),
			PaymentChannel: flexString(q.Get("payment_channel")), Signature: flexString(q.Get("signature")),
		}
	}
	return notificationFromWire(&w)
}

func (w *notificationWire) trimAll() {
	for _, f := range []*flexString{&w.Request, &w.TrxID, &w.MerchantID, &w.Merchant, &w.BillNo, &w.PaymentReff,
		&w.PaymentDate, &w.PaymentStatusCode, &w.PaymentStatusDesc, &w.BillTotal, &w.PaymentTotal,
		&w.PaymentChannelUID, &w.PaymentChannel, &w.Signature} {
		*f = flexString(strings.TrimSpace(string(*f)))
	}
}

func notificationFromWire(w *notificationWire) (*PaymentNotification, error) {
	n := &PaymentNotification{
		Request: string(w.Request), TrxID: strings.TrimSpace(string(w.TrxID)), MerchantID: strings.TrimSpace(string(w.MerchantID)),
		Merchant: string(w.Merchant), BillNo: strings.TrimSpace(string(w.BillNo)), PaymentReff: strings.TrimSpace(string(w.PaymentReff)),
		PaymentDateRaw: strings.TrimSpace(string(w.PaymentDate)), StatusCode: PaymentStatus(strings.TrimSpace(string(w.PaymentStatusCode))),
		StatusDesc: string(w.PaymentStatusDesc), PaymentChannelUID: strings.TrimSpace(string(w.PaymentChannelUID)),
		PaymentChannel: string(w.PaymentChannel), Signature: strings.TrimSpace(string(w.Signature)),
	}
	if n.BillNo == "" {
		return nil, fmt.Errorf("%w: bill_no missing", ErrMalformed)
	}
	if n.TrxID == "" {
		return nil, fmt.Errorf("%w: trx_id missing", ErrMalformed)
	}
	if len(n.StatusCode) != 1 || n.StatusCode[0] < '0' || n.StatusCode[0] > '9' {
		return nil, fmt.Errorf("%w: payment_status_code must be one digit", ErrMalformed)
	}
	var err error
	if n.BillTotal, err = parseOptionalAmount(string(w.BillTotal)); err != nil {
		return nil, fmt.Errorf("%w: bill_total: %v", ErrMalformed, err)
	}
	if n.PaymentTotal, err = parseOptionalAmount(string(w.PaymentTotal)); err != nil {
		return nil, fmt.Errorf("%w: payment_total: %v", ErrMalformed, err)
	}
	// payment_date is filled only once paid; Faspay may send "" or zeros before.
	if n.PaymentDateRaw != "" && !strings.HasPrefix(n.PaymentDateRaw, "0000") {
		if n.PaymentDate, err = ParseTime(n.PaymentDateRaw); err != nil {
			return nil, fmt.Errorf("%w: payment_date: %v", ErrMalformed, err)
		}
	}
	return n, nil
}

func parseOptionalAmount(s string) (int64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	v, err := money.ParseDecimal(s)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, errors.New("negative amount")
	}
	return v, nil
}

// VerifyPaymentNotification checks the notification's signature,
// sha1(md5(user_id + password + bill_no + payment_status_code)), in constant
// time. The caller should also compare n.MerchantID with its own merchant id
// and n.PaymentTotal with the amount it charged.
func VerifyPaymentNotification(n *PaymentNotification, userID, password string) error {
	if n == nil {
		return ErrMalformed
	}
	if n.Signature == "" {
		return ErrMissingSignature
	}
	if !SignatureEqual(NotificationSignature(userID, password, n.BillNo, string(n.StatusCode)), n.Signature) {
		return ErrBadSignature
	}
	return nil
}

// NotificationReply is the JSON the merchant answers a payment notification with.
type NotificationReply struct {
	Response     string `json:"response"`
	TrxID        string `json:"trx_id"`
	MerchantID   string `json:"merchant_id"`
	Merchant     string `json:"merchant"`
	BillNo       string `json:"bill_no"`
	ResponseCode string `json:"response_code"`
	ResponseDesc string `json:"response_desc"`
	ResponseDate string `json:"response_date"`
}

// NewNotificationReply builds the documented success reply for n, dated at
// (written in WIB). Send it with Content-Type application/json and HTTP 200.
func NewNotificationReply(n *PaymentNotification, at time.Time) NotificationReply {
	return NotificationReply{
		Response: "Payment Notification", TrxID: n.TrxID, MerchantID: n.MerchantID, Merchant: n.Merchant,
		BillNo: n.BillNo, ResponseCode: CodeSuccess, ResponseDesc: "Success",
		ResponseDate: at.In(Jakarta).Format(DateTimeLayout),
	}
}

// JSON encodes the reply.
func (r NotificationReply) JSON() []byte {
	b, _ := json.Marshal(r) // only strings: cannot fail
	return b
}

// isPhone accepts digits with an optional leading "+"; "*" is allowed because
// Faspay masks phone numbers in some places.
func isPhone(s string) bool {
	s = strings.TrimPrefix(s, "+")
	return s != "" && strings.Trim(s, "0123456789*") == ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
