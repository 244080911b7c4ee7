package oy

import (
	"errors"
	"fmt"
	"strings"
)

// Outcome tells the caller whether money may have moved when a call failed.
type Outcome string

const (
	// OutcomeRejected: OY refused the request; nothing happened.
	OutcomeRejected Outcome = "rejected"
	// OutcomePending: OY holds the request and will settle it later.
	OutcomePending Outcome = "pending"
	// OutcomeUnknown: no trustworthy answer (timeout, 5xx, garbled body,
	// internal error). Check with a status call; never resend with a new id.
	OutcomeUnknown Outcome = "unknown"
)

// Error is the only error type the client returns for a failed call.
// It never carries credentials.
type Error struct {
	Op              string  // client operation, e.g. "remit"
	HTTPStatus      int     // 0 when no HTTP answer arrived
	Code            string  // OY status code, "" when the answer had none
	ProviderMessage string  // OY's own wording
	Message         string  // a sentence a finance clerk understands
	Outcome         Outcome // whether money may have moved
	Err             error   // wrapped transport or decoding error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("oy: ")
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
	if len(details) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(details, ", "))
		b.WriteString(")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

func outcomeOf(err error) Outcome {
	var e *Error
	if errors.As(err, &e) {
		return e.Outcome
	}
	if err != nil {
		return OutcomeUnknown
	}
	return ""
}

// IsUnknown reports whether money may or may not have moved: the caller must
// ask OY for the status before doing anything else.
func IsUnknown(err error) bool { return err != nil && outcomeOf(err) == OutcomeUnknown }

// IsRejected reports whether OY definitely did nothing with the request.
func IsRejected(err error) bool { return err != nil && outcomeOf(err) == OutcomeRejected }

// IsPending reports whether OY holds the request and will settle it later.
func IsPending(err error) bool { return err != nil && outcomeOf(err) == OutcomePending }

// ErrorCode returns OY's status code carried by err, or "".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
