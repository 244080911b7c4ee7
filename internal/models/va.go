package models

import (
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/lifecycle"
)

// VAStatus is OY's "VA aggregator Status" of a virtual account.
type VAStatus string

const (
	VAWaitingPayment  VAStatus = "WAITING_PAYMENT"
	VAPaymentDetected VAStatus = "PAYMENT_DETECTED"
	VAExpired         VAStatus = "EXPIRED"
	VAComplete        VAStatus = "COMPLETE"
)

// VAStatuses lists every status in the order the list shows them.
var VAStatuses = []VAStatus{VAWaitingPayment, VAPaymentDetected, VAExpired, VAComplete}

// vaStages: a VA waits, sees money, and ends expired or complete; it never
// moves back (an expired VA cannot be reopened through the API).
var vaStages = lifecycle.NewStages([]VAStatus{VAWaitingPayment}, []VAStatus{VAPaymentDetected}, []VAStatus{VAExpired, VAComplete})

// LabelKey is the catalogue key of the status in words (internal/i18n);
// a status OY may add later is its own word.
func (s VAStatus) LabelKey() string {
	switch s {
	case VAWaitingPayment:
		return "vas.status_waiting_payment"
	case VAPaymentDetected:
		return "vas.status_payment_detected"
	case VAExpired:
		return "vas.status_expired"
	case VAComplete:
		return "vas.status_complete"
	}
	return string(s)
}

// Label is the status in English words, for logs and stored details.
func (s VAStatus) Label() string { return i18n.In(i18n.EN, s.LabelKey()) }

// Final reports whether the VA can no longer receive money or be updated.
func (s VAStatus) Final() bool { return vaStages.Final(s) }

// CanMoveTo reports whether an observed status may replace s.
func (s VAStatus) CanMoveTo(to VAStatus) bool { return vaStages.CanMove(s, to) }

// VirtualAccount is one OY VA, made here or found at OY by the sync.
type VirtualAccount struct {
	ID              int64
	OYID            string `gorm:"column:oy_id"` // OY's unique VA id (Get/Update VA take it)
	VANumber        string `gorm:"column:va_number"`
	BankCode        string
	PartnerUserID   string
	UsernameDisplay string
	Email           string
	Amount          int64
	AmountDetected  int64
	IsOpen          bool
	IsSingleUse     bool
	IsLifetime      bool
	ExpiresAt       *time.Time // nil: never expires
	Status          VAStatus
	Source          string // dashboard, sync, callback
	CreatedByEmail  string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	CheckedAt       *time.Time // last read from OY's Get VA Info
}

// TableName keeps GORM on the migration's table.
func (VirtualAccount) TableName() string { return "virtual_accounts" }

// StatusAt is the status as of t: an open VA whose time has passed is
// expired even if OY has not told us yet.
func (v *VirtualAccount) StatusAt(t time.Time) VAStatus {
	if !v.Status.Final() && !v.IsLifetime && v.ExpiresAt != nil && !t.Before(*v.ExpiresAt) {
		return VAExpired
	}
	return v.Status
}

// WhyNoUpdate says why a VA cannot be changed at t; zero when it can.
func (v *VirtualAccount) WhyNoUpdate(t time.Time) i18n.Message {
	switch v.StatusAt(t) {
	case VAExpired:
		return i18n.M("vas.why_expired")
	case VAComplete:
		return i18n.M("vas.why_complete")
	}
	return i18n.Message{}
}

// Observe merges what OY reports (Get VA Info, the list, a callback's
// confirmation) into the stored VA: the status only moves forwards and the
// amount detected never goes down. It reports whether anything changed.
func (v *VirtualAccount) Observe(o *VirtualAccount) bool {
	changed := false
	if v.Status.CanMoveTo(o.Status) {
		v.Status, changed = o.Status, true
	}
	if o.AmountDetected > v.AmountDetected {
		v.AmountDetected, changed = o.AmountDetected, true
	}
	if v.Status.Final() {
		return changed
	}
	// Descriptive fields come from OY while the VA is open; a final VA keeps
	// what it had when it closed.
	if o.Amount != v.Amount || o.IsOpen != v.IsOpen || o.IsSingleUse != v.IsSingleUse || o.IsLifetime != v.IsLifetime ||
		(o.UsernameDisplay != "" && o.UsernameDisplay != v.UsernameDisplay) || !sameTime(o.ExpiresAt, v.ExpiresAt) {
		v.Amount, v.IsOpen, v.IsSingleUse, v.IsLifetime, v.ExpiresAt = o.Amount, o.IsOpen, o.IsSingleUse, o.IsLifetime, o.ExpiresAt
		if o.UsernameDisplay != "" {
			v.UsernameDisplay = o.UsernameDisplay
		}
		changed = true
	}
	if v.PartnerUserID == "" && o.PartnerUserID != "" {
		v.PartnerUserID, changed = o.PartnerUserID, true
	}
	return changed
}

// sameTime compares two times to the microsecond, the precision a stored
// time keeps on PostgreSQL (SQLite keeps nanoseconds): a time read back is
// the same time.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// VAPayment is one payment received on a VA, from a callback, from OY's
// transaction history, or both (merged).
type VAPayment struct {
	ID               int64
	VirtualAccountID int64  `gorm:"column:virtual_account_id"`
	OYTrxID          string `gorm:"column:oy_trx_id"` // the history's id (or the callback's trx_id); "" until known
	DedupKey         string // unique: "trx:<id>" or "cb:<va>:<tx_date>:<amount>"
	PaidAt           time.Time
	Amount           int64
	AdminFee         *int64 // known from the history only
	CallbackID       *int64
	Source           string // callback, history
	CreatedAt        time.Time
}

// TableName keeps GORM on the migration's table.
func (VAPayment) TableName() string { return "va_payments" }

// PaymentMatchWindow is how far a callback's tx_date and the history's
// created time of the same payment may lie apart.
const PaymentMatchWindow = 2 * time.Minute

// MatchHistory finds the stored payment a history entry describes: the
// one with its OY id, else a callback payment with no id yet, the same
// amount and a time within PaymentMatchWindow. -1: none, it is new.
func MatchHistory(stored []VAPayment, trxID string, amount int64, at time.Time) int {
	for i, p := range stored {
		if trxID != "" && p.OYTrxID == trxID {
			return i
		}
	}
	best, bestGap := -1, PaymentMatchWindow+1
	for i, p := range stored {
		if p.OYTrxID != "" || p.Amount != amount {
			continue
		}
		gap := p.PaidAt.Sub(at).Abs()
		if gap <= PaymentMatchWindow && gap < bestGap {
			best, bestGap = i, gap
		}
	}
	return best
}

// VACreateStatus is where a create request is: sent once, then known.
type VACreateStatus string

const (
	VACreateSending  VACreateStatus = "sending"
	VACreateDone     VACreateStatus = "done"
	VACreateRejected VACreateStatus = "rejected"
	// VACreateUnknown: OY gave no answer; the sync settles it from OY's
	// list, never by creating again.
	VACreateUnknown VACreateStatus = "unknown"
	// VACreateNotMade: settled, OY has no such VA.
	VACreateNotMade VACreateStatus = "not_made"
)

// VACreate is one submitted create form, keyed by the form's idempotency
// key, so a double submit makes one VA.
type VACreate struct {
	ID               int64
	Key              string
	Status           VACreateStatus
	PartnerUserID    string
	BankCode         string
	Params           string // JSON of the request, for the audit and settling
	VirtualAccountID *int64
	Message          string
	ActorEmail       string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// TableName keeps GORM on the migration's table.
func (VACreate) TableName() string { return "va_creates" }

// VASyncRun is one pass of the background sync over OY's VA list.
type VASyncRun struct {
	ID         int64
	StartedAt  time.Time
	FinishedAt *time.Time
	Seen       int
	Imported   int
	Updated    int
	Error      string
}

// TableName keeps GORM on the migration's table.
func (VASyncRun) TableName() string { return "va_sync_runs" }
