package faspay

import (
	"errors"
	"fmt"
	"strings"
)

// Outcome tells the caller whether money may have moved when a call failed.
type Outcome int

const (
	// OutcomeRejected: Faspay answered and refused; nothing happened.
	OutcomeRejected Outcome = iota + 1
	// OutcomeUnknown: no trustworthy answer (timeout, 5xx, unreadable body).
	// The request may have been processed: check the state (history or the
	// payment notification) before trying again, never resend blindly.
	OutcomeUnknown
	// OutcomePending: accepted, the final state comes later.
	OutcomePending
)

func (o Outcome) String() string {
	switch o {
	case OutcomeRejected:
		return "rejected"
	case OutcomeUnknown:
		return "unknown"
	case OutcomePending:
		return "pending"
	}
	return "unset"
}

// ErrPaymentTokenExpired matches (errors.Is) an *Error with response code 02:
// the customer must open Error.RegenerateURL to renew the OVO payment token.
var ErrPaymentTokenExpired = errors.New("faspay: payment token expired")

// Error is the one error type returned by the client. It never carries
// credentials or signatures.
type Error struct {
	Op              string // client method, e.g. "payment"
	HTTPStatus      int    // 0 when no HTTP answer arrived
	Code            string // Faspay response_code, normalised to two digits; "" when none
	ProviderMessage string // Faspay response_desc as sent
	Message         string // sentence for a finance clerk
	Outcome         Outcome
	// RegenerateURL is set with code 02 (payment token expired): the page
	// where the customer renews the token. Show it; never follow it server-side.
	RegenerateURL string
	err           error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("faspay: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Message)
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s", e.Code)
		if e.ProviderMessage != "" {
			fmt.Fprintf(&b, ": %q", e.ProviderMessage)
		}
		b.WriteString(")")
	}
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " [HTTP %d]", e.HTTPStatus)
	}
	return b.String()
}

// Unwrap returns the transport or decoding error underneath, if any.
func (e *Error) Unwrap() error { return e.err }

// Is lets errors.Is(err, ErrPaymentTokenExpired) work.
func (e *Error) Is(target error) bool {
	return target == ErrPaymentTokenExpired && e.Code == CodeTokenExpired
}

func asError(err error) (*Error, bool) {
	var fe *Error
	ok := errors.As(err, &fe)
	return fe, ok
}

// IsUnknown reports whether err leaves the outcome unknown (money may have moved).
func IsUnknown(err error) bool {
	fe, ok := asError(err)
	return ok && fe.Outcome == OutcomeUnknown
}

// IsRejected reports whether Faspay definitely refused the request.
func IsRejected(err error) bool {
	fe, ok := asError(err)
	return ok && fe.Outcome == OutcomeRejected
}

// TokenExpired reports whether err is the 02 "regenerate payment token" answer
// and returns the URL the customer must be sent to.
func TokenExpired(err error) (regenerateURL string, ok bool) {
	fe, isFE := asError(err)
	if !isFE || fe.Code != CodeTokenExpired {
		return "", false
	}
	return fe.RegenerateURL, true
}
