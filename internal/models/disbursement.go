package models

import (
	"time"

	"backoffice/internal/lifecycle"
)

// DisbursementStatus is where a transfer is, in the clerk's terms.
type DisbursementStatus string

const (
	DisbWaitingApproval DisbursementStatus = "waiting_approval"
	// DisbSending: approved; the remit is being sent to OY right now.
	DisbSending DisbursementStatus = "sending"
	// DisbUnknown: OY's answer to the remit was lost (timeout, 5xx, 999,
	// 504). The poller asks remit-status with the same partner_trx_id;
	// the remit is never sent again.
	DisbUnknown    DisbursementStatus = "unknown"
	DisbInProgress DisbursementStatus = "in_progress" // OY 101, 102
	DisbPending    DisbursementStatus = "pending"     // OY 301: the bank network has not answered
	DisbSuccess    DisbursementStatus = "success"     // OY 000
	DisbFailed     DisbursementStatus = "failed"      // OY 300 or a rejection code
	DisbRejected   DisbursementStatus = "rejected"    // an approver refused it; nothing was sent
	DisbWithdrawn  DisbursementStatus = "withdrawn"   // its maker took it back before approval; nothing was sent
)

// DisbursementStatuses lists the statuses in the order of the filter.
var DisbursementStatuses = []DisbursementStatus{DisbWaitingApproval, DisbSending, DisbUnknown, DisbInProgress, DisbPending, DisbSuccess, DisbFailed, DisbRejected, DisbWithdrawn}

// DisbursementsInFlight are the statuses of approved transfers whose
// money has not reached a final state yet.
var DisbursementsInFlight = []DisbursementStatus{DisbSending, DisbUnknown, DisbInProgress, DisbPending}

// Label is the status in words.
func (s DisbursementStatus) Label() string {
	switch s {
	case DisbWaitingApproval:
		return "Waiting approval"
	case DisbSending:
		return "Sending"
	case DisbUnknown:
		return "Unknown — checking"
	case DisbInProgress:
		return "In progress"
	case DisbPending:
		return "Pending at bank"
	case DisbSuccess:
		return "Success"
	case DisbFailed:
		return "Failed"
	case DisbRejected:
		return "Rejected"
	case DisbWithdrawn:
		return "Withdrawn"
	}
	return string(s)
}

// LabelKey is the catalogue key of the status in words (internal/i18n);
// an unknown status is its own key, shown as it is.
func (s DisbursementStatus) LabelKey() string {
	switch s {
	case DisbWaitingApproval:
		return "disb.status_waiting_approval"
	case DisbSending:
		return "disb.status_sending"
	case DisbUnknown:
		return "disb.status_unknown"
	case DisbInProgress:
		return "disb.status_in_progress"
	case DisbPending:
		return "disb.status_pending"
	case DisbSuccess:
		return "disb.status_success"
	case DisbFailed:
		return "disb.status_failed"
	case DisbRejected:
		return "disb.status_rejected"
	case DisbWithdrawn:
		return "disb.status_withdrawn"
	}
	return string(s)
}

// disbursementStages order the statuses so a transfer never moves
// backwards; in progress and pending may alternate, as OY reports them.
var disbursementStages = lifecycle.NewStages(
	[]DisbursementStatus{DisbWaitingApproval},
	[]DisbursementStatus{DisbSending},
	[]DisbursementStatus{DisbUnknown},
	[]DisbursementStatus{DisbInProgress, DisbPending},
	[]DisbursementStatus{DisbSuccess, DisbFailed, DisbRejected, DisbWithdrawn},
)

// Final reports whether the status never changes again.
func (s DisbursementStatus) Final() bool { return disbursementStages.Final(s) }

// CanMoveTo reports whether a transfer may go from s to next: never out of
// a final status, never back to an earlier stage.
func (s DisbursementStatus) CanMoveTo(next DisbursementStatus) bool {
	return disbursementStages.CanMove(s, next)
}

// Disbursement is one transfer to a bank account or e-wallet through OY.
type Disbursement struct {
	ID               int64
	PartnerTrxID     string
	DraftKey         *string
	BatchID          *int64
	RecipientBank    string
	RecipientAccount string
	RecipientName    string
	Amount           int64
	Note             string
	Emails           string
	Status           DisbursementStatus
	OYCode           string
	OYMessage        string
	TrxID            string
	MakerID          int64
	MakerEmail       string
	ApprovalsNeeded  int
	CreatedAt        time.Time
	UpdatedAt        time.Time
	SentAt           *time.Time
	FinalAt          *time.Time
	NextPollAt       *time.Time
	Polls            int
}

// DisbursementApproval is one approver's decision.
type DisbursementApproval struct {
	ID             int64
	DisbursementID int64
	UserID         int64
	UserEmail      string
	Decision       string // approve, reject
	Reason         string
	At             time.Time
}

// DisbursementEvent is one line of a transfer's timeline.
type DisbursementEvent struct {
	ID             int64
	DisbursementID int64
	At             time.Time
	Source         string // maker, approver, api, poll, callback, system
	FromStatus     DisbursementStatus
	ToStatus       DisbursementStatus
	OYCode         string
	Message        string
	CallbackID     *int64
	ActorEmail     string
}

// DisbursementDraft is an inquired recipient waiting for the maker's
// confirmation. Its key makes the confirmation idempotent.
type DisbursementDraft struct {
	Key              string `gorm:"primaryKey"`
	UserID           int64
	RecipientBank    string
	RecipientAccount string
	RecipientName    string
	Amount           int64
	Note             string
	Emails           string
	PartnerTrxID     string
	CreatedAt        time.Time
}

// BalanceReading is the OY partner balance at one moment.
type BalanceReading struct {
	ID          int64
	At          time.Time
	Balance     int64
	Overdraft   int64
	Overbooking int64
	Pending     int64
	Available   int64
	ActorEmail  string
}

// BatchStatus is where an uploaded file of disbursements is.
type BatchStatus string

const (
	BatchValidating BatchStatus = "validating" // rows being checked and inquired in the background
	BatchReady      BatchStatus = "ready"      // checked; the maker may send the valid rows for approval
	BatchSubmitted  BatchStatus = "submitted"  // valid rows are disbursements waiting for approval
	BatchApproving  BatchStatus = "approving"  // approved; remits going out row by row
	BatchDone       BatchStatus = "done"       // every row approved and sent, or rejected
	BatchRejected   BatchStatus = "rejected"
	BatchWithdrawn  BatchStatus = "withdrawn" // its maker took it back before approval
)

// Label is the status in words.
func (s BatchStatus) Label() string {
	switch s {
	case BatchValidating:
		return "Checking rows"
	case BatchReady:
		return "Checked"
	case BatchSubmitted:
		return "Waiting approval"
	case BatchApproving:
		return "Sending"
	case BatchDone:
		return "Sent"
	case BatchRejected:
		return "Rejected"
	case BatchWithdrawn:
		return "Withdrawn"
	}
	return string(s)
}

// LabelKey is the catalogue key of the batch status in words.
func (s BatchStatus) LabelKey() string {
	switch s {
	case BatchValidating:
		return "bulk.status_validating"
	case BatchReady:
		return "bulk.status_ready"
	case BatchSubmitted:
		return "bulk.status_submitted"
	case BatchApproving:
		return "bulk.status_approving"
	case BatchDone:
		return "bulk.status_done"
	case BatchRejected:
		return "bulk.status_rejected"
	case BatchWithdrawn:
		return "bulk.status_withdrawn"
	}
	return string(s)
}

// DisbursementBatch is one uploaded CSV, kept with its rows.
type DisbursementBatch struct {
	ID          int64
	FileName    string
	File        []byte
	Status      BatchStatus
	MakerID     int64
	MakerEmail  string
	ApproverID  *int64
	TotalRows   int
	CheckedRows int
	ValidRows   int
	SentRows    int
	ValidSum    int64
	// FileSHA256 finds the same file uploaded again.
	FileSHA256 string `gorm:"column:file_sha256"`
	// ApprovalsNeeded is worked out from the batch's total when it is
	// submitted and again, with the threshold then in force, at each approval.
	ApprovalsNeeded int
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// BatchRow is one line of an uploaded file.
type BatchRow struct {
	ID               int64
	BatchID          int64
	Line             int
	RecipientBank    string
	RecipientAccount string
	AmountText       string
	Amount           int64
	Note             string
	Email            string
	NameInFile       string // the optional sixth column: who the maker means to pay
	Checked          bool
	RecipientName    string
	Error            string
	DisbursementID   *int64
}

// BatchApproval is one approver's approval of a whole batch.
type BatchApproval struct {
	ID        int64
	BatchID   int64
	UserID    int64
	UserEmail string
	At        time.Time
}
