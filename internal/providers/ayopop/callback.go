package ayopop

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"strconv"
)

// Ayopop signs nothing in its callbacks: the page documents no signature and
// no header. The dashboard protects its callback URL with a secret in the
// query string (?token=..., AYOPOP_CALLBACK_TOKEN), checks it with
// VerifyCallbackToken, and confirms a final state with Status before acting.
var (
	ErrMalformed        = errors.New("ayopop callback: body is not the documented status JSON")
	ErrMissingReference = errors.New("ayopop callback: no refNumber or transactionId")
	ErrMissingToken     = errors.New("ayopop callback: URL has no token")
	ErrBadToken         = errors.New("ayopop callback: URL token does not match")
)

// Callback is Ayopop's POST to the partner's callback URL: the same JSON as
// the /bill/status answer.
type Callback struct {
	Transaction
	Class   Class
	Success bool // Ayopop's "success" flag, for display only: Code decides
}

// ParseCallback reads a callback body. It never panics and does not decide
// anything about money: a Callback's State is only a hint until Status
// confirms it.
func ParseCallback(body []byte) (*Callback, error) {
	env, err := decodeEnvelope(body)
	if err != nil {
		return nil, ErrMalformed
	}
	var w wireTransaction
	if hasData(env.Data) {
		if err := json.Unmarshal(env.Data, &w); err != nil {
			return nil, ErrMalformed
		}
	}
	if w.RefNumber == "" && w.TransactionID == "" {
		return nil, ErrMissingReference
	}
	code := int(*env.ResponseCode)
	cb := &Callback{Transaction: *w.transaction(code, env.Message), Class: Classify(code)}
	if env.Success != nil {
		cb.Success = *env.Success
	}
	return cb, nil
}

// VerifyCallbackToken compares the ?token= of a callback URL with the
// configured secret in constant time.
func VerifyCallbackToken(expected, got string) error {
	if expected == "" || got == "" {
		return ErrMissingToken
	}
	if subtle.ConstantTimeCompare([]byte(expected), []byte(got)) != 1 {
		return ErrBadToken
	}
	return nil
}

// DedupKey is the same for a callback Ayopop repeats and different when the
// top-up's status code changes.
func (c *Callback) DedupKey() string {
	return "ayopop:" + c.RefNumber + ":" + c.TransactionID + ":" + strconv.Itoa(c.Code)
}

// References are the ids a clerk searches for: our refNumber, Ayopop's
// transactionId, the OVO phone number and the serial number on the receipt.
func (c *Callback) References() []string {
	var refs []string
	seen := map[string]bool{}
	for _, r := range []string{c.RefNumber, c.TransactionID, c.RequestID, c.AccountNumber, c.SerialNumber} {
		if r != "" && !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	return refs
}
