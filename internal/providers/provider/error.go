// Package provider is what the four provider clients (oy, faspay, doku,
// ayopop) share: one outcome vocabulary, one error type and one HTTP
// transport. Each provider package adds only its codes, signing and types.
// See docs/providers/README.md, "The provider-operation pattern".
package provider

import (
	"errors"
	"fmt"
	"strings"
)

// Outcome says what a provider call did to the money. It is the first thing
// a caller looks at when a call fails.
type Outcome int

const (
	// Rejected: nothing moved. The provider refused, or nothing was sent.
	Rejected Outcome = iota + 1
	// Pending: the provider holds the request and settles it later (callback
	// or a status call).
	Pending
	// Unknown: no trustworthy answer. After a money-moving write the money may
	// have moved: settle it with a status call only, never send it again with a
	// new reference. After a read nothing moved, but the answer is unknown: ask
	// again later.
	Unknown
	// Succeeded: the call did what was asked. OutcomeOf(nil) is Succeeded; an
	// *Error never carries it.
	Succeeded
)

func (o Outcome) String() string {
	switch o {
	case Rejected:
		return "rejected"
	case Pending:
		return "pending"
	case Unknown:
		return "unknown"
	case Succeeded:
		return "succeeded"
	}
	return "unset"
}

// Error is the only error type the provider clients return for a failed
// call. It never carries credentials, tokens or signatures.
//
// Provider specifics ride on Err, found with errors.Is/As: Faspay's expired
// payment token is a *faspay.TokenExpiredError (errors.Is
// faspay.ErrPaymentTokenExpired) carrying the renewal URL; Ayopop's code
// range is ayopop.ClassOf(err), derived from Code.
type Error struct {
	Provider        string  // "oy", "faspay", "doku", "ayopop"
	Op              string  // the client operation, e.g. "remit"
	HTTPStatus      int     // 0 when no HTTP answer arrived
	Code            string  // the provider's code as text; "" when none was readable
	ProviderMessage string  // the provider's own wording, as sent
	Message         string  // a sentence a finance clerk understands
	Outcome         Outcome // what happened to the money
	Err             error   // the transport, decoding or provider-specific cause
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Provider)
	b.WriteString(": ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Message)
	var details []string
	if e.Code != "" {
		details = append(details, "code "+e.Code)
	}
	if e.ProviderMessage != "" {
		details = append(details, fmt.Sprintf("%q", e.ProviderMessage))
	}
	if e.HTTPStatus != 0 {
		details = append(details, fmt.Sprintf("HTTP %d", e.HTTPStatus))
	}
	if e.Err != nil {
		details = append(details, e.Err.Error())
	}
	details = append(details, "outcome "+e.Outcome.String())
	b.WriteString(" (")
	b.WriteString(strings.Join(details, ", "))
	b.WriteString(")")
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// AsError finds the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Explain returns the *Error in err's chain, or wraps err as an Unknown
// failure of op (nil for nil): an unexplained failure is never proof that
// nothing moved.
func Explain(providerName, op string, err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := AsError(err); ok {
		return e
	}
	return &Error{Provider: providerName, Op: op, Outcome: Unknown, Err: err,
		Message: "The call failed in an unexpected way; " + UnknownAdvice(Write)}
}

// OutcomeOf is err's outcome: Succeeded for nil, the *Error's Outcome, and
// Unknown for any other error (an unexplained failure is never proof that
// nothing moved).
func OutcomeOf(err error) Outcome {
	if err == nil {
		return Succeeded
	}
	if e, ok := AsError(err); ok && e.Outcome != 0 {
		return e.Outcome
	}
	return Unknown
}

// IsUnknown reports whether err leaves open what happened: check the status
// before doing anything else.
func IsUnknown(err error) bool { return err != nil && OutcomeOf(err) == Unknown }

// IsRejected reports whether err proves nothing moved.
func IsRejected(err error) bool { return err != nil && OutcomeOf(err) == Rejected }

// IsPending reports whether the provider holds the request and settles it later.
func IsPending(err error) bool { return err != nil && OutcomeOf(err) == Pending }

// CodeOf is the provider's code carried by err, or "".
func CodeOf(err error) string {
	if e, ok := AsError(err); ok {
		return e.Code
	}
	return ""
}

// MessageOf is the clerk sentence carried by err, or "".
func MessageOf(err error) string {
	if e, ok := AsError(err); ok {
		return e.Message
	}
	return ""
}

// ErrNotSent is in the chain of every error for a request that never left
// this process: the context ended first, or the request could not be built,
// signed or addressed. Such an error is always Rejected.
var ErrNotSent = errors.New("request not sent")

// notSent wraps cause so that errors.Is finds both ErrNotSent and cause.
type notSent struct{ cause error }

func (n notSent) Error() string {
	if n.cause == nil {
		return ErrNotSent.Error()
	}
	return ErrNotSent.Error() + ": " + n.cause.Error()
}

func (n notSent) Unwrap() []error {
	if n.cause == nil {
		return []error{ErrNotSent}
	}
	return []error{ErrNotSent, n.cause}
}

// NotSent is the error for a request this process refused to send or could
// not send: Rejected, with ErrNotSent and cause in its chain.
func NotSent(provider, op, message string, cause error) *Error {
	return &Error{Provider: provider, Op: op, Outcome: Rejected, Message: message, Err: notSent{cause}}
}
