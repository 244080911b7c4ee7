package models

import (
	"context"
	"strings"
	"time"

	"backoffice/internal/lifecycle"
)

// TopupStatus is where an OVO top-up through Ayopop is, in the clerk's terms.
type TopupStatus string

const (
	TopupWaitingApproval TopupStatus = "waiting_approval"
	// TopupPaying: claimed; the one payment request is going to Ayopop now.
	TopupPaying TopupStatus = "paying"
	// TopupUnknown: Ayopop's answer to the payment was lost or not final
	// (timeout, 5xx, an undocumented code). Settled by /bill/status with the
	// same refNumber; never paid again.
	TopupUnknown TopupStatus = "unknown"
	TopupPending TopupStatus = "pending" // Ayopop 299: processing
	// TopupFailing: Ayopop answers a code of its "failed" range, which the
	// contract does not confirm as final (ayopop.FailureIsFinal); status
	// checks go on until it is.
	TopupFailing  TopupStatus = "failing"
	TopupSuccess  TopupStatus = "success"  // Ayopop 0
	TopupFailed   TopupStatus = "failed"   // no money moved: refused before it was sent, or Ayopop never received it
	TopupRejected TopupStatus = "rejected" // an approver refused it; nothing was sent
)

// TopupStatuses lists the statuses in the order of the filter.
var TopupStatuses = []TopupStatus{TopupWaitingApproval, TopupPaying, TopupUnknown, TopupPending, TopupFailing, TopupSuccess, TopupFailed, TopupRejected}

// LabelKey is the catalogue key of the status in words.
func (s TopupStatus) LabelKey() string { return topupStatusKeys[s] }

var topupStatusKeys = map[TopupStatus]string{TopupWaitingApproval: "topups.st_waiting_approval", TopupPaying: "topups.st_paying",
	TopupUnknown: "topups.st_unknown", TopupPending: "topups.st_pending", TopupFailing: "topups.st_failing",
	TopupSuccess: "topups.st_success", TopupFailed: "topups.st_failed", TopupRejected: "topups.st_rejected"}

// Label is the status in words, in English (exports, logs, records).
func (s TopupStatus) Label() string { return labelOf(s.LabelKey(), string(s)) }

// In is the status in words in the request's language.
func (s TopupStatus) In(ctx context.Context) string { return labelIn(ctx, s.LabelKey(), string(s)) }

var topupStages = lifecycle.NewStages(
	[]TopupStatus{TopupWaitingApproval},
	[]TopupStatus{TopupPaying},
	[]TopupStatus{TopupUnknown},
	[]TopupStatus{TopupPending, TopupFailing},
	[]TopupStatus{TopupSuccess, TopupFailed, TopupRejected},
)

// Final reports whether the status never changes again.
func (s TopupStatus) Final() bool { return topupStages.Final(s) }

// CanMoveTo reports whether a top-up may go from s to next: never out of a
// final status, never back to an earlier stage.
func (s TopupStatus) CanMoveTo(next TopupStatus) bool { return topupStages.CanMove(s, next) }

// Topup is one OVO top-up paid through Ayopop.
type Topup struct {
	ID              int64
	RefNumber       string // ours, made once at inquiry
	DraftKey        *string
	Phone           string // canonical 628…
	ProductCode     string
	ProductName     string
	OpenAmount      bool
	Amount          int64 // the price Ayopop charges for the product
	AdminFee        int64 // Ayopop's totalAdmin
	CustomerName    string
	InquiryID       int64
	Code            string // Ayopop's last responseCode
	ProviderMessage string
	TransactionID   string
	SerialNumber    string
	PaidAt          *time.Time // "Tanggal & Waktu Pembayaran", from Ayopop
	Status          TopupStatus
	MakerID         int64
	MakerEmail      string
	ApprovalsNeeded int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	SentAt          *time.Time
	FinalAt         *time.Time
	NextPollAt      *time.Time
	Polls           int
}

// Total is what the top-up takes from the Ayopop deposit.
func (t Topup) Total() int64 { return t.Amount + t.AdminFee }

// TopupDraft is an inquired top-up waiting for the clerk's confirmation of
// the customer name; its key makes the confirmation idempotent.
type TopupDraft struct {
	Key          string `gorm:"primaryKey"`
	UserID       int64
	Phone        string
	ProductCode  string
	ProductName  string
	OpenAmount   bool
	Amount       int64
	AdminFee     int64
	CustomerName string
	InquiryID    int64
	RefNumber    string
	CreatedAt    time.Time
}

// Total is the amount plus the admin fee.
func (d TopupDraft) Total() int64 { return d.Amount + d.AdminFee }

// TopupApproval is one approver's decision.
type TopupApproval struct {
	ID        int64
	TopupID   int64
	UserID    int64
	UserEmail string
	Decision  string // approve, reject
	Reason    string
	At        time.Time
}

// TopupEvent is one line of a top-up's timeline.
type TopupEvent struct {
	ID         int64
	TopupID    int64
	At         time.Time
	Source     string // maker, approver, api, poll, callback, system
	FromStatus TopupStatus
	ToStatus   TopupStatus
	Code       string
	Message    string
	CallbackID *int64
	ActorEmail string
}

// AyopopBalanceReading is the Ayopop partner deposit at one moment.
type AyopopBalanceReading struct {
	ID         int64
	At         time.Time
	Balance    int64
	ActorEmail string
}

// TopupApprovalsNeeded is how many people other than the maker must
// approve a top-up of total: one above the admin's threshold (0: none
// ever), otherwise none. It is ApprovalsNeeded less the maker's own
// confirmation.
func TopupApprovalsNeeded(total, above int64) int { return ApprovalsNeeded(total, above) - 1 }

// TopupDecisionEffect is what one approver's decision does to a top-up.
type TopupDecisionEffect struct {
	To      TopupStatus
	Pay     bool // this decision completed the approvals: its caller, and only it, pays
	Message string
}

// Decide works out one decision on t with the maker-checker rule of
// disbursements (MayDecide, approvalStep); approvals counts this one.
func (t *Topup) Decide(approver *User, approve bool, reason string, approvals int) (TopupDecisionEffect, error) {
	if err := MayDecide(t.Status == TopupWaitingApproval, t.MakerID, approver); err != nil {
		return TopupDecisionEffect{}, err
	}
	st, msg := approvalStep(approver, approve, reason, approvals, t.ApprovalsNeeded)
	switch st {
	case stepRejected:
		return TopupDecisionEffect{To: TopupRejected, Message: msg}, nil
	case stepComplete:
		return TopupDecisionEffect{To: TopupPaying, Pay: true, Message: msg}, nil
	}
	return TopupDecisionEffect{To: t.Status, Message: msg}, nil
}

// TopupObservation is one observed Ayopop state of a top-up: the payment
// answer, a status check, or a callback confirmed by a status check.
type TopupObservation struct {
	To            TopupStatus
	Code          string
	CodeText      string
	TransactionID string
	SerialNumber  string
	CustomerName  string
	PaidAt        *time.Time
	Source        string // api, poll, callback, system
	Message       string
	CallbackID    *int64
	ActorEmail    string
	NextPollAt    *time.Time // for non-final states; nil stops polling
	CountPoll     bool
}

// Observe applies o to t at time at, as Disbursement.Observe does: it
// returns the top-up afterwards, the timeline line (nil: none) and whether
// the status moved. A state that would go backwards changes nothing but
// is written on the timeline; a status check that found nothing new
// writes nothing.
func (t Topup) Observe(o TopupObservation, at time.Time) (Topup, *TopupEvent, bool) {
	from := t.Status
	next := t
	next.UpdatedAt = at
	moved := tracking[TopupStatus]{&next.Status, &next.Polls, &next.FinalAt, &next.NextPollAt}.observe(o.To, at, o.CountPoll, o.NextPollAt)
	if o.Code != "" && (moved || from == o.To) {
		next.Code, next.ProviderMessage = o.Code, o.CodeText
	}
	if moved || from == o.To {
		if o.TransactionID != "" && next.TransactionID == "" {
			next.TransactionID = o.TransactionID
		}
		if o.SerialNumber != "" && next.SerialNumber == "" {
			next.SerialNumber = o.SerialNumber
		}
		if o.PaidAt != nil && next.PaidAt == nil {
			next.PaidAt = o.PaidAt
		}
	}
	if !moved && (o.Source == "poll" || o.Source == "callback") && from == o.To {
		return next, nil, false
	}
	ev := &TopupEvent{TopupID: t.ID, At: at, Source: o.Source, FromStatus: from, ToStatus: o.To, Code: o.Code,
		Message: o.Message, CallbackID: o.CallbackID, ActorEmail: o.ActorEmail}
	if !moved && from != o.To {
		ev.Message = strings.TrimSpace(o.Message + " (kept " + from.Label() + ": a top-up never moves back)")
		ev.ToStatus = from
	}
	return next, ev, moved
}
