package ayopop

import (
	"errors"
	"strconv"
	"strings"
)

// Outcome tells the caller whether money may have moved.
type Outcome int

const (
	// OutcomeRejected: definitely nothing happened (inquiry, balance, products,
	// or a payment refused before Ayopop could act on it).
	OutcomeRejected Outcome = iota + 1
	// OutcomeUnknown: a payment or status call gave no final answer (timeout,
	// 5xx, unreadable body, or any code other than 0/299). Ask /bill/status
	// again after StatusCheckDelay; never resend with a new refNumber.
	OutcomeUnknown
	// OutcomePending: Ayopop says the top-up is still being processed.
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
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Error is every failure the client returns. It never contains the API
// key, the partner secret or the TOKEN.
type Error struct {
	Op              string  // "inquiry", "payment", "status", "balance", "products"
	HTTPStatus      int     // 0 when no HTTP answer arrived
	Code            string  // Ayopop's responseCode as text; "" when none was readable
	ProviderMessage string  // Ayopop's own message (EN, else ID)
	Message         string  // a sentence a finance clerk understands
	Outcome         Outcome // whether money may have moved
	Class           Class   // range of Code
	err             error   // transport or decoding cause
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ayopop ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Message)
	if e.Code != "" {
		b.WriteString(" [code ")
		b.WriteString(e.Code)
		b.WriteString("]")
	}
	if e.HTTPStatus != 0 {
		b.WriteString(" [HTTP ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
		b.WriteString("]")
	}
	if e.ProviderMessage != "" {
		b.WriteString(" (Ayopop: ")
		b.WriteString(e.ProviderMessage)
		b.WriteString(")")
	}
	b.WriteString(" outcome=")
	b.WriteString(e.Outcome.String())
	return b.String()
}

func (e *Error) Unwrap() error { return e.err }

func outcomeOf(err error) Outcome {
	var e *Error
	if errors.As(err, &e) {
		return e.Outcome
	}
	return 0
}

// IsUnknown reports whether err leaves a payment's fate open: the caller
// must ask /bill/status again (after StatusCheckDelay) before doing anything.
func IsUnknown(err error) bool { return outcomeOf(err) == OutcomeUnknown }

// IsPending reports whether Ayopop said the top-up is still in progress.
func IsPending(err error) bool { return outcomeOf(err) == OutcomePending }

// IsRejected reports whether err proves nothing happened.
func IsRejected(err error) bool { return outcomeOf(err) == OutcomeRejected }
