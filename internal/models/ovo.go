package models

import (
	"context"
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/lifecycle"
)

// OVO providers: both link a customer's OVO e-wallet to the merchant.
const (
	OVOFaspay = "faspay"
	OVODoku   = "doku"
)

// OVOProviderLabel names a provider for people.
func OVOProviderLabel(p string) string {
	switch p {
	case OVOFaspay:
		return "Faspay"
	case OVODoku:
		return "DOKU"
	}
	return p
}

// OVOAccountState is where a linked OVO account is.
type OVOAccountState string

const (
	// OVOPending: the customer was sent to OVO's OTP/PIN page; the Faspay
	// activation callback or the DOKU binding result has not arrived.
	OVOPending  OVOAccountState = "pending"
	OVOLinked   OVOAccountState = "linked"
	OVOUnlinked OVOAccountState = "unlinked"
	OVOFailed   OVOAccountState = "failed"
)

// OVOAccountStates lists the states in the order of the filter.
var OVOAccountStates = []OVOAccountState{OVOPending, OVOLinked, OVOUnlinked, OVOFailed}

// LabelKey is the catalogue key of the state in words.
func (s OVOAccountState) LabelKey() string { return ovoStateKeys[s] }

var ovoStateKeys = map[OVOAccountState]string{OVOPending: "ovo.state_pending", OVOLinked: "ovo.state_linked",
	OVOUnlinked: "ovo.state_unlinked", OVOFailed: "ovo.state_failed"}

// Label is the state in words, in English (exports, logs, records).
func (s OVOAccountState) Label() string { return labelOf(s.LabelKey(), string(s)) }

// In is the state in words in the request's language.
func (s OVOAccountState) In(ctx context.Context) string { return labelIn(ctx, s.LabelKey(), string(s)) }

// labelOf is key's English text, or raw when there is no key.
func labelOf(key, raw string) string {
	if key == "" {
		return raw
	}
	return i18n.In(i18n.EN, key)
}

// labelIn is key's text in the request's language, or raw when there is no key.
func labelIn(ctx context.Context, key, raw string) string {
	if key == "" {
		return raw
	}
	return i18n.T(ctx, key)
}

// CanMoveTo: pending ends linked, failed or unlinked; linked ends
// unlinked; failed and unlinked never change (linking again is a new
// account row). A late "failed" after "linked" changes nothing.
func (s OVOAccountState) CanMoveTo(next OVOAccountState) bool {
	switch s {
	case OVOPending:
		return next == OVOLinked || next == OVOFailed || next == OVOUnlinked
	case OVOLinked:
		return next == OVOUnlinked
	}
	return false
}

// OVOAccount is one customer's OVO e-wallet linked (or being linked) to
// the merchant at one provider.
type OVOAccount struct {
	ID           int64
	Provider     string // OVOFaspay or OVODoku
	CustomerName string
	Phone        string // canonical 628…
	State        OVOAccountState
	StateReason  string // why it failed, or what the last change was, in words
	// CustID is DOKU's custIdMerchant: random, so the binding return URL
	// that carries it cannot be guessed. Empty for Faspay.
	CustID      string
	BindingRef  string // DOKU referenceNo of the binding
	RedirectURL string // the OVO page the customer opens to link
	// CustomerToken is DOKU's B2B2C token for this customer: a secret,
	// never shown or logged.
	CustomerToken string `json:"-"`
	LinkedAt      *time.Time
	UnlinkedAt    *time.Time
	Cash          *int64 // last known OVO Cash (DOKU: the balance)
	Points        *int64 // last known OVO Points (Faspay only)
	BalanceAt     *time.Time
	CallbackID    *int64 // the callback that last changed the state
	MakerID       int64
	MakerEmail    string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName keeps GORM on the migration's table.
func (OVOAccount) TableName() string { return "ovo_accounts" }

// BalanceReadable says whether a balance call may be made, and if not why.
func (a *OVOAccount) BalanceReadable() (bool, i18n.Message) {
	switch a.State {
	case OVOPending:
		return false, i18n.M("ovo.why_pending")
	case OVOUnlinked:
		return false, i18n.M("ovo.why_unlinked")
	case OVOFailed:
		return false, i18n.M("ovo.why_failed")
	}
	return true, i18n.Message{}
}

// OVOPaymentStatus is where a charge of a linked account is.
type OVOPaymentStatus string

const (
	OVOPaySending OVOPaymentStatus = "sending"
	// OVOPayUnknown: the provider's answer was lost; it is settled by the
	// notification only and never sent again.
	OVOPayUnknown      OVOPaymentStatus = "unknown"
	OVOPayPending      OVOPaymentStatus = "pending" // waiting for the customer's PIN
	OVOPayTokenExpired OVOPaymentStatus = "token_expired"
	OVOPayPaid         OVOPaymentStatus = "paid"
	OVOPayFailed       OVOPaymentStatus = "failed"
	OVOPayExpired      OVOPaymentStatus = "expired"
	OVOPayCancelled    OVOPaymentStatus = "cancelled"
	OVOPayReversed     OVOPaymentStatus = "reversed"
	OVOPayRejected     OVOPaymentStatus = "rejected" // refused when sent; nothing was charged
)

// LabelKey is the catalogue key of the status in words.
func (s OVOPaymentStatus) LabelKey() string { return ovoPaymentKeys[s] }

var ovoPaymentKeys = map[OVOPaymentStatus]string{OVOPaySending: "ovo.pay_sending", OVOPayUnknown: "ovo.pay_unknown",
	OVOPayPending: "ovo.pay_pending", OVOPayTokenExpired: "ovo.pay_token_expired", OVOPayPaid: "ovo.pay_paid",
	OVOPayFailed: "ovo.pay_failed", OVOPayExpired: "ovo.pay_expired", OVOPayCancelled: "ovo.pay_cancelled",
	OVOPayReversed: "ovo.pay_reversed", OVOPayRejected: "ovo.pay_rejected"}

// Label is the status in words, in English (exports, logs, records).
func (s OVOPaymentStatus) Label() string { return labelOf(s.LabelKey(), string(s)) }

// In is the status in words in the request's language.
func (s OVOPaymentStatus) In(ctx context.Context) string {
	return labelIn(ctx, s.LabelKey(), string(s))
}

var ovoPaymentStages = lifecycle.NewStages(
	[]OVOPaymentStatus{OVOPaySending},
	[]OVOPaymentStatus{OVOPayUnknown},
	[]OVOPaymentStatus{OVOPayPending, OVOPayTokenExpired},
	[]OVOPaymentStatus{OVOPayPaid, OVOPayFailed, OVOPayExpired, OVOPayCancelled, OVOPayReversed, OVOPayRejected},
)

// Final reports whether the status is settled.
func (s OVOPaymentStatus) Final() bool { return ovoPaymentStages.Final(s) }

// CanMoveTo never moves a payment backwards; the one move out of a final
// status is a reversal of a paid one.
func (s OVOPaymentStatus) CanMoveTo(next OVOPaymentStatus) bool {
	if s == OVOPayPaid && next == OVOPayReversed {
		return true
	}
	return ovoPaymentStages.CanMove(s, next)
}

// OVOPayment is one charge of a linked OVO account.
type OVOPayment struct {
	ID        int64
	AccountID int64
	Provider  string
	// Ref is the merchant's reference, made once before sending: Faspay's
	// numeric bill_no, DOKU's partnerReferenceNo.
	Ref         string
	ExternalID  string // DOKU X-EXTERNAL-ID of the payment request
	ProviderRef string // Faspay trx_id, DOKU referenceNo
	Amount      int64
	Description string
	PayType     string // Faspay pay_type 0/1/2; empty for DOKU
	// FormKey is the payment form's one-time key: a double click or a
	// resubmitted form finds the payment it made instead of charging again.
	FormKey       string
	Status        OVOPaymentStatus
	Code          string // the provider's last status code
	CodeText      string // it in words
	RedirectURL   string // the customer's OTP/PIN page
	RegenerateURL string // Faspay 02: where the customer renews the payment token
	CallbackID    *int64 // the notification that last changed it
	MakerID       int64
	MakerEmail    string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName keeps GORM on the migration's table.
func (OVOPayment) TableName() string { return "ovo_payments" }
