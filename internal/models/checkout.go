package models

import (
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/lifecycle"
)

// CheckoutKind tells a payment link from an invoice (one table holds both).
type CheckoutKind string

const (
	KindPaymentLink CheckoutKind = "link"
	KindInvoice     CheckoutKind = "invoice"
)

// CheckoutStatus is where a payment link or invoice is. The OY words are
// OY's own (lower case; "charge_sucess" spelled as OY does); sending,
// unknown and refused are the dashboard's.
type CheckoutStatus string

const (
	// CheckoutSending: the create request is being sent to OY right now.
	CheckoutSending CheckoutStatus = "sending"
	// CheckoutUnknown: OY's answer to the create was lost. It is settled
	// by Get with the same partner_tx_id, never by creating again.
	CheckoutUnknown            CheckoutStatus = "unknown"
	CheckoutCreated            CheckoutStatus = "created"
	CheckoutWaitingPayment     CheckoutStatus = "waiting_payment"
	CheckoutExpiredVA          CheckoutStatus = "expired_va"
	CheckoutChargeInProgress   CheckoutStatus = "charge_in_progress"
	CheckoutChargeFailed       CheckoutStatus = "charge_failed"
	CheckoutPaid               CheckoutStatus = "charge_sucess"
	CheckoutDisburseInProgress CheckoutStatus = "disburse_in_progress"
	CheckoutComplete           CheckoutStatus = "complete"
	CheckoutExpired            CheckoutStatus = "expired"
	CheckoutClosed             CheckoutStatus = "closed"
	// CheckoutRefused: OY refused the create; nothing exists at OY.
	CheckoutRefused CheckoutStatus = "refused"
)

// CheckoutStatuses lists the statuses in the order of the list filter.
var CheckoutStatuses = []CheckoutStatus{CheckoutCreated, CheckoutWaitingPayment, CheckoutExpiredVA, CheckoutChargeInProgress,
	CheckoutChargeFailed, CheckoutPaid, CheckoutDisburseInProgress, CheckoutComplete, CheckoutExpired, CheckoutClosed,
	CheckoutSending, CheckoutUnknown, CheckoutRefused}

// LabelKey is the catalogue key of the status in words (internal/i18n);
// a status OY may add later is its own word.
func (s CheckoutStatus) LabelKey() string {
	switch s {
	case CheckoutSending:
		return "checkout.status_sending"
	case CheckoutUnknown:
		return "checkout.status_unknown"
	case CheckoutCreated:
		return "checkout.status_created"
	case CheckoutWaitingPayment:
		return "checkout.status_waiting_payment"
	case CheckoutExpiredVA:
		return "checkout.status_expired_va"
	case CheckoutChargeInProgress:
		return "checkout.status_charge_in_progress"
	case CheckoutChargeFailed:
		return "checkout.status_charge_failed"
	case CheckoutPaid:
		return "checkout.status_paid"
	case CheckoutDisburseInProgress:
		return "checkout.status_disburse_in_progress"
	case CheckoutComplete:
		return "checkout.status_complete"
	case CheckoutExpired:
		return "checkout.status_expired"
	case CheckoutClosed:
		return "checkout.status_closed"
	case CheckoutRefused:
		return "checkout.status_refused"
	}
	return string(s)
}

// Label is the status in English words, for logs and stored details.
func (s CheckoutStatus) Label() string { return i18n.In(i18n.EN, s.LabelKey()) }

// Paid reports whether the customer's money has reached OY.
func (s CheckoutStatus) Paid() bool {
	return s == CheckoutPaid || s == CheckoutDisburseInProgress || s == CheckoutComplete
}

// CheckoutStatusFor maps OY's status word (any case) to a status; false
// for a word the dashboard does not know.
func CheckoutStatusFor(word string) (CheckoutStatus, bool) {
	switch word {
	case "created", "CREATED":
		return CheckoutCreated, true
	case "waiting_payment", "WAITING_PAYMENT":
		return CheckoutWaitingPayment, true
	case "expired_va", "EXPIRED_VA":
		return CheckoutExpiredVA, true
	case "charge_in_progress", "CHARGE_IN_PROGRESS":
		return CheckoutChargeInProgress, true
	case "charge_failed", "CHARGE_FAILED", "failed", "FAILED":
		return CheckoutChargeFailed, true
	case "charge_sucess", "charge_success", "success", "CHARGE_SUCESS", "CHARGE_SUCCESS", "SUCCESS":
		return CheckoutPaid, true
	case "disburse_in_progress", "DISBURSE_IN_PROGRESS":
		return CheckoutDisburseInProgress, true
	case "complete", "COMPLETE":
		return CheckoutComplete, true
	case "expired", "EXPIRED":
		return CheckoutExpired, true
	case "closed", "CLOSED":
		return CheckoutClosed, true
	}
	return "", false
}

// checkoutStages order the statuses: a customer may retry (waiting,
// expired VA, rejected card alternate), paid is later, the last stage final.
var checkoutStages = lifecycle.NewStages(
	[]CheckoutStatus{CheckoutSending, CheckoutUnknown},
	[]CheckoutStatus{CheckoutCreated},
	[]CheckoutStatus{CheckoutWaitingPayment, CheckoutExpiredVA, CheckoutChargeInProgress, CheckoutChargeFailed},
	[]CheckoutStatus{CheckoutPaid, CheckoutDisburseInProgress},
	[]CheckoutStatus{CheckoutComplete, CheckoutExpired, CheckoutClosed, CheckoutRefused},
)

// Final reports whether the status changes no more (except a late payment, see CanMoveTo).
func (s CheckoutStatus) Final() bool { return checkoutStages.Final(s) }

// CanMoveTo is the never-backwards rule. A paid link never becomes expired
// or deleted. The one way out of a final state is money: OY confirming a
// payment on a link the dashboard holds as deleted or expired (a transfer
// to its VA that arrived late) is recorded as paid, because it was.
func (s CheckoutStatus) CanMoveTo(to CheckoutStatus) bool {
	if (s == CheckoutClosed || s == CheckoutExpired) && to.Paid() {
		return true
	}
	if (to == CheckoutExpired || to == CheckoutClosed) && (s.Paid() || s == CheckoutRefused) {
		return false
	}
	return checkoutStages.CanMove(s, to)
}

// Deletable reports whether OY accepts a delete: the customer has not
// chosen a payment method yet.
func (s CheckoutStatus) Deletable() bool { return s == CheckoutCreated }

// Checkout is a payment link or an invoice.
type Checkout struct {
	ID                     int64
	Kind                   CheckoutKind
	PartnerTxID            string
	Status                 CheckoutStatus
	Description            string
	Notes                  string
	SenderName             string
	Amount                 int64 // 0: open amount with no maximum
	Email                  string
	PhoneNumber            string
	IsOpen                 bool
	Step                   string
	IncludeAdminFee        bool
	DisabledPaymentMethods string // comma-separated, as OY takes them
	EnabledBanks           string
	Expiration             time.Time
	// Invoice fields.
	PartnerUserID  string
	FullName       string
	IsVALifetime   bool
	ItemsJSON      string // []InvoiceLine
	AttachmentName string
	Attachment     string // base64 PDF, as sent
	// OY's answers.
	URL           string
	PaymentLinkID string
	EmailStatus   string
	OYMessage     string
	// The payment, from the confirmed callback or status call.
	PaidAmount    int64
	PaymentMethod string
	SenderBank    string
	VANumber      string
	TxRefNumber   string
	PayerName     string
	PaidAt        *time.Time
	// Recurring: the template and period that made this invoice.
	RecurringID     *int64
	RecurringPeriod *int
	CatchUp         bool // made late, for a period the server missed
	Source          string
	MakerID         *int64
	MakerEmail      string
	SentAt          *time.Time
	Checks          int
	NextCheckAt     *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// InvoiceLine is one line item of an invoice.
type InvoiceLine struct {
	Item           string `json:"item"`
	Description    string `json:"description"`
	Quantity       int64  `json:"quantity"`
	DateOfPurchase string `json:"date_of_purchase"` // YYYY-MM-DD
	PricePerItem   int64  `json:"price_per_item"`
}

// CheckoutEvent is one line of a link's or invoice's timeline.
type CheckoutEvent struct {
	ID         int64
	CheckoutID int64
	At         time.Time
	Source     string // create, callback, status, get, delete, scheduler
	FromStatus CheckoutStatus
	ToStatus   CheckoutStatus
	Message    string
	CallbackID *int64
	ActorEmail string
}

// RecurringStatus is a recurring invoice template's state.
type RecurringStatus string

const (
	RecurringActive RecurringStatus = "active"
	RecurringPaused RecurringStatus = "paused"
	RecurringEnded  RecurringStatus = "ended"
)

// LabelKey is the catalogue key of the state in words (internal/i18n).
func (s RecurringStatus) LabelKey() string {
	switch s {
	case RecurringActive:
		return "recurring.status_active"
	case RecurringPaused:
		return "recurring.status_paused"
	case RecurringEnded:
		return "recurring.status_ended"
	}
	return string(s)
}

// Label is the state in English words, for logs.
func (s RecurringStatus) Label() string { return i18n.In(i18n.EN, s.LabelKey()) }

// RecurringInvoice is a template the dashboard sends as one invoice per
// period through create-invoice (OY's own recurring endpoint is not out).
type RecurringInvoice struct {
	ID     int64
	Status RecurringStatus
	// TemplateJSON is the invoice form as typed (checkout.Form).
	TemplateJSON string
	Title        string // sender name and description, for lists
	Amount       int64
	StartDate    string // YYYY-MM-DD, WIB
	EndDate      string // YYYY-MM-DD, WIB, inclusive
	EveryDays    int    // >0: every n days from the start
	MonthDay     int    // >0: monthly on this day (29–31 fall on the month's last day when it is shorter)
	// NextPeriod is the first period not yet made (0 is the start date).
	NextPeriod int
	MakerID    *int64
	MakerEmail string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// PeriodDate is the WIB calendar date of period n, and false past the end.
func (r *RecurringInvoice) PeriodDate(n int) (time.Time, bool) {
	start, err := time.Parse("2006-01-02", r.StartDate)
	if err != nil || n < 0 {
		return time.Time{}, false
	}
	var d time.Time
	if r.EveryDays > 0 {
		d = start.AddDate(0, 0, n*r.EveryDays)
	} else {
		d = MonthlyDate(start, n, r.MonthDay)
	}
	if r.EndDate != "" {
		end, err := time.Parse("2006-01-02", r.EndDate)
		if err == nil && d.After(end) {
			return d, false
		}
	}
	return d, true
}

// MonthlyDate is the n-th monthly date counted from start's month, on day
// (or on the month's last day when the month is shorter: 31 → 30 April,
// 28 or 29 February). The first period is the first such date on or after start.
func MonthlyDate(start time.Time, n, day int) time.Time {
	first := onDay(start.Year(), start.Month(), day)
	if first.Before(start) {
		n++
	}
	return onDay(start.Year(), start.Month()+time.Month(n), day)
}

func onDay(y int, m time.Month, day int) time.Time {
	firstOfMonth := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	last := firstOfMonth.AddDate(0, 1, -1).Day()
	return time.Date(firstOfMonth.Year(), firstOfMonth.Month(), min(day, last), 0, 0, 0, 0, time.UTC)
}
