package models

import "time"

// CallbackStatus is where a stored callback is in processing.
type CallbackStatus string

const (
	// CallbackPending is stored and waiting for the worker.
	CallbackPending CallbackStatus = "pending"
	// CallbackApplied changed the record it concerns.
	CallbackApplied CallbackStatus = "applied"
	// CallbackNoChange concerned a known record that was already in that
	// state or further along (a late "pending" after "success").
	CallbackNoChange CallbackStatus = "no_change"
	// CallbackUnmatched names a record the dashboard does not know.
	CallbackUnmatched CallbackStatus = "unmatched"
	// CallbackFailed could not be processed; the worker tries again.
	CallbackFailed CallbackStatus = "failed"
	// CallbackRejected failed verification and is never processed.
	CallbackRejected CallbackStatus = "rejected"
	// CallbackDuplicate repeats one already stored and is not processed again.
	CallbackDuplicate CallbackStatus = "duplicate"
	// CallbackAcknowledged needs no processing (a token request).
	CallbackAcknowledged CallbackStatus = "acknowledged"
)

// CallbackStatuses lists every status in the order the log shows them.
var CallbackStatuses = []CallbackStatus{CallbackPending, CallbackApplied, CallbackNoChange, CallbackUnmatched, CallbackFailed, CallbackRejected, CallbackDuplicate, CallbackAcknowledged}

// Label is the status in words.
func (s CallbackStatus) Label() string {
	switch s {
	case CallbackPending:
		return "Waiting"
	case CallbackApplied:
		return "Applied"
	case CallbackNoChange:
		return "No change"
	case CallbackUnmatched:
		return "Unmatched"
	case CallbackFailed:
		return "Failed, retrying"
	case CallbackRejected:
		return "Rejected"
	case CallbackDuplicate:
		return "Duplicate"
	case CallbackAcknowledged:
		return "Answered"
	}
	return string(s)
}

// Callback is one inbound request from a provider, stored exactly as it
// arrived before it was answered.
type Callback struct {
	ID           int64
	ReceivedAt   time.Time
	Provider     string // oy, faspay, doku, ayopop
	Kind         string // disbursement, va, checkout, ovo-linkage, payment-notification, token, debit-notify, topup
	Method       string
	Path         string
	Query        string // secrets redacted
	Headers      string // JSON object, secrets redacted
	Body         []byte // raw, as received
	SourceIP     string
	Verified     bool
	VerifyReason string // in words
	DedupKey     string
	Duplicate    bool
	DuplicateOf  *int64
	Refs         string // space-separated references, for display
	Subject      string // the reference a processor matches a record by (OY partner_trx_id, …)
	ReplyStatus  int
	ReplyBody    string // secrets redacted
	Status       CallbackStatus
	Attempts     int
	RecordType   string // what it changed, e.g. "disbursement"
	RecordID     string
	ProcessedAt  *time.Time
	NextTryAt    *time.Time
	// Parsed is the body as intake parsed it (e.g. *oy.DisbursementCallback),
	// handed to the processor with the callback so the body is parsed once;
	// nil for a callback read back from the database. Never stored.
	Parsed any `gorm:"-"`

	// TruncatedFrom is the body's full size when only its first bytes are
	// kept (a refused request past its source's budget); 0 when Body is whole.
	TruncatedFrom int64
}

// CallbackAttempt is one processing run of a stored callback.
type CallbackAttempt struct {
	ID         int64
	CallbackID int64
	At         time.Time
	Outcome    CallbackStatus
	Detail     string // what happened, in words
	Error      string
	RecordType string
	RecordID   string
	ActorEmail string // set for a replay by staff
}
