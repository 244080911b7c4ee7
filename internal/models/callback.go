package models

import (
	"context"
	"time"

	"backoffice/internal/i18n"
)

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

// Label is the status in words, in English: for audit summaries and logs.
// Pages show LabelKey in the reader's language.
func (s CallbackStatus) Label() string {
	if k := s.LabelKey(); k != "" {
		return i18n.In(i18n.EN, k)
	}
	return string(s)
}

// LabelKey is the catalogue key of the status in words, "" for a status
// the dashboard does not know.
func (s CallbackStatus) LabelKey() string {
	switch s {
	case CallbackPending:
		return "callbacks.status_pending"
	case CallbackApplied:
		return "callbacks.status_applied"
	case CallbackNoChange:
		return "callbacks.status_no_change"
	case CallbackUnmatched:
		return "callbacks.status_unmatched"
	case CallbackFailed:
		return "callbacks.status_failed"
	case CallbackRejected:
		return "callbacks.status_rejected"
	case CallbackDuplicate:
		return "callbacks.status_duplicate"
	case CallbackAcknowledged:
		return "callbacks.status_acknowledged"
	}
	return ""
}

// Text is the status in words in the request's language.
func (s CallbackStatus) Text(ctx context.Context) string {
	if k := s.LabelKey(); k != "" {
		return i18n.T(ctx, k)
	}
	return string(s)
}

// RecordTypeText names a kind of record (a callback's RecordType, an audit
// entry's ObjectType) in the request's language; a kind without a name in
// the catalogue is shown as it is stored.
func RecordTypeText(ctx context.Context, t string) string {
	var k string
	switch t {
	case "disbursement":
		k = "callbacks.record_disbursement"
	case "topup":
		k = "callbacks.record_topup"
	case "virtual_account":
		k = "callbacks.record_virtual_account"
	case string(KindPaymentLink):
		k = "callbacks.record_payment_link"
	case string(KindInvoice):
		k = "callbacks.record_invoice"
	case "ovo_account":
		k = "callbacks.record_ovo_account"
	case "ovo_payment":
		k = "callbacks.record_ovo_payment"
	case "user":
		k = "callbacks.record_user"
	case "batch":
		k = "callbacks.record_batch"
	case "setting":
		k = "callbacks.record_setting"
	case "recurring_invoice":
		k = "callbacks.record_recurring_invoice"
	case "callback":
		k = "callbacks.record_callback"
	case "callback_log":
		k = "callbacks.record_callback_log"
	case "audit_log":
		k = "callbacks.record_audit_log"
	default:
		return t
	}
	return i18n.T(ctx, k)
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
