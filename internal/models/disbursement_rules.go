package models

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// The maker-checker rules and the status rules of a transfer are pure
// functions of these models: the store loads, calls them and writes what
// they return, inside one transaction of its own.

// Decision errors, in the approver's words.
var (
	// ErrDecisionConflict: the transfer or batch is no longer waiting for
	// this decision (someone else decided a moment earlier).
	ErrDecisionConflict   = errors.New("store: changed by someone else")
	ErrMakerCannotApprove = errors.New("the person who made a disbursement cannot approve or reject it")
	ErrAlreadyDecided     = errors.New("you have already decided on this disbursement")
)

// The two-approval threshold: an admin changes it in settings (under four
// eyes); the value in force when an approval completes is the one applied.
const (
	SettingDualApprovalAbove = "disbursement.dual_approval_above"
	DefaultDualApprovalAbove = 50_000_000 // rupiah; 0 in the setting: one approval always suffices
)

// ErrBalanceShort: OY's available balance, read just now, cannot cover
// what this approval would send.
var ErrBalanceShort = errors.New("the OY balance available now cannot cover this")

// ApprovalsNeeded is how many approvers a transfer of amount needs: two
// above the admin's threshold (0: no threshold), otherwise one.
func ApprovalsNeeded(amount, dualAbove int64) int {
	if dualAbove > 0 && amount > dualAbove {
		return 2
	}
	return 1
}

// MayDecide reports whether approver may approve or reject what maker made
// while it is in a state that waits for a decision.
func MayDecide(waiting bool, makerID int64, approver *User) error {
	if !waiting {
		return ErrDecisionConflict
	}
	if makerID == approver.ID {
		return ErrMakerCannotApprove
	}
	return nil
}

// DecisionEffect is what one approver's decision does to a transfer.
type DecisionEffect struct {
	To DisbursementStatus // d.Status when more approvals are needed
	// Send: this decision completed the approvals; its caller, and only
	// it, sends the one remit.
	Send    bool
	Message string // the timeline line
}

// Decide works out one decision on d, given how many approvals d has
// including this one (approve) — the store counts them inside the
// transaction that records it.
func (d *Disbursement) Decide(approver *User, approve bool, reason string, approvals int) (DecisionEffect, error) {
	if err := MayDecide(d.Status == DisbWaitingApproval, d.MakerID, approver); err != nil {
		return DecisionEffect{}, err
	}
	step, msg := approvalStep(approver, approve, reason, approvals, d.ApprovalsNeeded)
	switch step {
	case stepRejected:
		return DecisionEffect{To: DisbRejected, Message: msg}, nil
	case stepComplete:
		return DecisionEffect{To: DisbSending, Send: true, Message: msg}, nil
	}
	return DecisionEffect{To: d.Status, Message: msg}, nil
}

// step is what one allowed decision does to anything that waits for
// approvals (a transfer, a top-up): rejected, complete, or more needed.
type step int

const (
	stepMoreNeeded step = iota
	stepRejected
	stepComplete
)

// approvalStep works out one decision and its timeline line; the same rule
// serves disbursements and top-ups.
func approvalStep(approver *User, approve bool, reason string, approvals, needed int) (step, string) {
	if !approve {
		msg := "rejected by " + approver.Email
		if reason != "" {
			msg += ": " + reason
		}
		return stepRejected, msg
	}
	msg := fmt.Sprintf("approved by %s (%d of %d)", approver.Email, approvals, needed)
	if approvals >= needed {
		return stepComplete, msg
	}
	return stepMoreNeeded, msg
}

// Observation is one observed provider state of a transfer: an API answer,
// a status check or a confirmed callback.
type Observation struct {
	To         DisbursementStatus
	Code       string // the provider's status code
	CodeText   string // the provider's message for it
	TrxID      string // the provider's id, kept once known
	Source     string // api, poll, callback, system
	Message    string
	CallbackID *int64
	ActorEmail string
	NextPollAt *time.Time // for non-final states; nil stops polling
	CountPoll  bool
}

// Observe applies an observation to d at time at and returns the
// transfer afterwards, the timeline line to add (nil: none) and whether
// the status moved. A change that would go backwards (a late "in
// progress" after "success") changes no status; it is written on the
// timeline, except for a status check that found nothing new.
func (d Disbursement) Observe(o Observation, at time.Time) (Disbursement, *DisbursementEvent, bool) {
	from := d.Status
	next := d
	next.UpdatedAt = at
	moved := tracking[DisbursementStatus]{&next.Status, &next.Polls, &next.FinalAt, &next.NextPollAt}.observe(o.To, at, o.CountPoll, o.NextPollAt)
	if o.Code != "" && (moved || from == o.To) {
		next.OYCode, next.OYMessage = o.Code, o.CodeText
	}
	if o.TrxID != "" && d.TrxID == "" {
		next.TrxID = o.TrxID
	}
	if !moved && o.Source == "poll" && from == o.To {
		return next, nil, false
	}
	ev := &DisbursementEvent{DisbursementID: d.ID, At: at, Source: o.Source, FromStatus: from, ToStatus: o.To,
		OYCode: o.Code, Message: o.Message, CallbackID: o.CallbackID, ActorEmail: o.ActorEmail}
	if !moved && from != o.To {
		ev.Message = strings.TrimSpace(o.Message + " (kept " + from.Label() + ": a transfer never moves back)")
		ev.ToStatus = from
	}
	return next, ev, moved
}

// MayWithdraw reports whether user may take back what maker made while it
// still waits for approval: only its maker may.
func MayWithdraw(waiting bool, makerID int64, user *User) error {
	if !waiting {
		return ErrDecisionConflict
	}
	if makerID != user.ID {
		return ErrNotTheMaker
	}
	return nil
}

// ErrNotTheMaker: only the person who made a request may withdraw it.
var ErrNotTheMaker = errors.New("only the person who made it can withdraw it")

// MayApprove reports whether u could approve something made by makerID
// that has been approved so far by approvedBy: an active finance or admin
// user with a second factor, not the maker, not already counted.
func MayApprove(u *User, makerID int64, approvedBy map[int64]bool) bool {
	return !u.Disabled && (u.Role == RoleFinance || u.Role == RoleAdmin) && u.HasSecondFactor() &&
		u.ID != makerID && !approvedBy[u.ID]
}

// EligibleApprovers are the users who may still approve.
func EligibleApprovers(users []User, makerID int64, approvedBy map[int64]bool) []User {
	var out []User
	for i := range users {
		if MayApprove(&users[i], makerID, approvedBy) {
			out = append(out, users[i])
		}
	}
	return out
}

// BatchDecision is what one approval does to a submitted batch.
type BatchDecision struct {
	Needed   int  // approvals the batch's total needs under the threshold in force
	Complete bool // this approval completes them: the rows go out
}

// DecideBatchApproval works out one approval of a batch whose waiting
// rows total total, given the approvals including this one. A batch
// counts its total, not each row.
func DecideBatchApproval(total int64, approvals int, dualAbove int64) BatchDecision {
	need := ApprovalsNeeded(total, dualAbove)
	return BatchDecision{Needed: need, Complete: approvals >= need}
}

// NamesMatch reports whether the name in an uploaded file is the name the
// bank returned, ignoring case, punctuation, spacing and word order.
func NamesMatch(inFile, atBank string) bool {
	return nameKey(inFile) == nameKey(atBank)
}

func nameKey(s string) string {
	words := strings.FieldsFunc(strings.ToUpper(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	slices.Sort(words)
	return strings.Join(words, " ")
}

// ApprovalState is what an approval panel says: how many approvals the
// amount needs under the threshold in force now, how many it has, who may
// still give one, and whether they are too few to finish.
type ApprovalState struct {
	Needed, Have int
	Eligible     []User
	// TooFew: fewer people may still approve than approvals are missing.
	TooFew bool
}

// Missing is how many approvals are still to come.
func (a ApprovalState) Missing() int { return max(a.Needed-a.Have, 0) }
