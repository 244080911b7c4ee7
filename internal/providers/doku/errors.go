package doku

import (
	"errors"
	"fmt"
)

// Outcome tells the caller whether money may have moved.
type Outcome int

const (
	// OutcomeRejected: DOKU definitely did nothing.
	OutcomeRejected Outcome = iota + 1
	// OutcomeUnknown: the request may have taken effect (timeout, 5xx,
	// unreadable answer after a write). Check the status; never resend blindly
	// with a new reference.
	OutcomeUnknown
	// OutcomePending: DOKU accepted the request and is still working on it.
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

// Error is every failure of a DOKU call.
type Error struct {
	Op              string // the client method, e.g. "payment"
	HTTPStatus      int    // 0 when no HTTP answer arrived
	Code            string // DOKU's 7-character responseCode, if any
	ProviderMessage string // DOKU's responseMessage, as sent
	Message         string // a sentence for a finance clerk
	Outcome         Outcome
	Err             error // the transport or decoding error, if any
}

func (e *Error) Error() string {
	s := "doku: " + e.Op + ": " + e.Message
	if e.Code != "" {
		s += " (code " + e.Code
		if e.ProviderMessage != "" {
			s += ", DOKU: " + e.ProviderMessage
		}
		s += ")"
	} else if e.HTTPStatus != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.HTTPStatus)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// IsUnknown reports whether err leaves it open whether money moved.
func IsUnknown(err error) bool { return outcomeOf(err) == OutcomeUnknown }

// IsRejected reports whether DOKU definitely did nothing.
func IsRejected(err error) bool { return outcomeOf(err) == OutcomeRejected }

// IsPending reports whether DOKU is still working on the request.
func IsPending(err error) bool { return outcomeOf(err) == OutcomePending }

func outcomeOf(err error) Outcome {
	var e *Error
	if errors.As(err, &e) {
		return e.Outcome
	}
	return 0
}

// CodeOf returns DOKU's responseCode carried by err, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Sentinel errors of callback and signature verification.
var (
	ErrMalformed        = errors.New("doku: malformed request")
	ErrMissingSignature = errors.New("doku: missing X-SIGNATURE")
	ErrBadSignature     = errors.New("doku: signature does not match")
	ErrMissingTimestamp = errors.New("doku: missing X-TIMESTAMP")
	ErrStaleTimestamp   = errors.New("doku: X-TIMESTAMP too old or too far in the future")
	ErrBadClientID      = errors.New("doku: unknown client id")
	ErrUnsupportedGrant = errors.New("doku: unsupported grantType")
	ErrMissingToken     = errors.New("doku: missing bearer token")
	ErrInvalidToken     = errors.New("doku: bearer token unknown or expired")
)

func is(err, target error) bool { return errors.Is(err, target) }
