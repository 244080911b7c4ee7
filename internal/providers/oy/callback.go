package oy

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// OY signs no callback (CONTRACT-NOTES.md): the callback URL carries a
// secret ?token=, and a final state is confirmed through the status API
// before money is booked. These are the sentinel errors of that check.
var (
	ErrMalformed    = errors.New("oy: callback body is malformed")
	ErrMissingToken = errors.New("oy: callback has no token")
	ErrBadToken     = errors.New("oy: callback token does not match")
)

// VerifyToken compares the ?token= of a callback URL with the configured
// secret in constant time.
func VerifyToken(got, want string) error {
	if got == "" {
		return ErrMissingToken
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return ErrBadToken
	}
	return nil
}

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// DisbursementCallback is OY's "Partner Callback" for a remit.
type DisbursementCallback struct {
	Disbursement
}

// ParseDisbursementCallback reads the disbursement callback body.
func ParseDisbursementCallback(body []byte) (*DisbursementCallback, error) {
	var w wireDisbursement
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, malformed("%v", err)
	}
	if w.Status.Code == "" {
		return nil, malformed("no status code")
	}
	if w.PartnerTrxID == "" && w.TrxID == "" {
		return nil, malformed("neither partner_trx_id nor trx_id")
	}
	return &DisbursementCallback{Disbursement: *w.disbursement()}, nil
}

// DedupKey recognises a repeated callback: the same ids in the same state.
func (c *DisbursementCallback) DedupKey() string {
	return "oy:disbursement:" + c.PartnerTrxID + ":" + c.TrxID + ":" + c.Code
}

// References are the ids a clerk would search for.
func (c *DisbursementCallback) References() []string {
	return nonEmpty(c.PartnerTrxID, c.TrxID, c.RecipientAccount)
}

// VACallback is OY's "Partner Callback Va Aggregator": money arrived on a VA.
type VACallback struct {
	VANumber      string
	Amount        int64
	PartnerUserID string
	Success       bool
	TxDate        time.Time
	RawTxDate     string
	TrxID         string // not in the page's sample; read when OY sends it
}

type wireVACallback struct {
	VANumber      jsonString `json:"va_number"`
	Amount        jsonAmount `json:"amount"`
	PartnerUserID jsonString `json:"partner_user_id"`
	Success       *jsonBool  `json:"success"`
	TxDate        jsonString `json:"tx_date"`
	TrxID         jsonString `json:"trx_id"`
}

// ParseVACallback reads the VA payment callback body.
func ParseVACallback(body []byte) (*VACallback, error) {
	var w wireVACallback
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, malformed("%v", err)
	}
	if w.VANumber == "" {
		return nil, malformed("no va_number")
	}
	if w.Success == nil {
		return nil, malformed("no success flag")
	}
	return &VACallback{
		VANumber: string(w.VANumber), Amount: int64(w.Amount), PartnerUserID: string(w.PartnerUserID),
		Success: bool(*w.Success), RawTxDate: string(w.TxDate), TrxID: string(w.TrxID),
		TxDate: parseLocal(string(w.TxDate), LayoutVACallback, "02/01/2006T15:04:05-0700", LayoutDateTime),
	}, nil
}

// DedupKey: the VA number with the payment's own id, or its time and
// amount when OY sends no id.
func (c *VACallback) DedupKey() string {
	if c.TrxID != "" {
		return "oy:va:" + c.VANumber + ":" + c.TrxID + ":" + strconv.FormatBool(c.Success)
	}
	return "oy:va:" + c.VANumber + ":" + c.RawTxDate + ":" + strconv.FormatInt(c.Amount, 10) + ":" + strconv.FormatBool(c.Success)
}

// References are the ids a clerk would search for.
func (c *VACallback) References() []string { return nonEmpty(c.VANumber, c.PartnerUserID, c.TrxID) }

func nonEmpty(ss ...string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CheckoutCallback is OY's payment checkout / invoice callback.
type CheckoutCallback struct {
	CheckoutPayment
}

// ParseCheckoutCallback reads the payment link or invoice callback body.
func ParseCheckoutCallback(body []byte) (*CheckoutCallback, error) {
	var w wirePayment
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, malformed("%v", err)
	}
	word, ok := statusWord(w.Status)
	if !ok {
		return nil, malformed("no status word")
	}
	if w.PartnerTxID == "" {
		return nil, malformed("no partner_tx_id")
	}
	return &CheckoutCallback{CheckoutPayment: *w.payment(word)}, nil
}

// DedupKey recognises a repeated callback: the same ids in the same state.
func (c *CheckoutCallback) DedupKey() string {
	return "oy:checkout:" + c.PartnerTxID + ":" + c.TxRefNumber + ":" + string(c.Status)
}

// References are the ids a clerk would search for.
func (c *CheckoutCallback) References() []string {
	return nonEmpty(c.PartnerTxID, c.TxRefNumber, c.VANumber, c.SenderPhone)
}
