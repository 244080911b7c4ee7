package ovo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/phone"
	"backoffice/internal/providers/doku"
	"backoffice/internal/providers/faspay"
	"backoffice/internal/store"
)

func retryLater(err error) store.ProcessResult {
	t := time.Now().UTC().Add(time.Minute)
	return store.ProcessResult{Outcome: models.CallbackFailed, Error: err.Error(), NextTryAt: &t}
}

func unreadable(err error) store.ProcessResult {
	return store.ProcessResult{Outcome: models.CallbackUnmatched, Detail: "The callback could not be read: " + err.Error()}
}

// ProcessFaspayLinkage applies Faspay's activation callback: the pending
// account of that phone becomes linked (its balance read with it) or
// failed with Faspay's reason. Never backwards: a late failure after a
// link changes nothing.
func (s *Service) ProcessFaspayLinkage(ctx context.Context, cb *models.Callback) store.ProcessResult {
	a, _ := cb.Parsed.(*faspay.ActivationCallback)
	if a == nil {
		var err error
		if a, err = faspay.ParseActivationCallback(queryOf(cb.Query)); err != nil {
			return unreadable(err)
		}
	}
	canonical, err := phone.Normalise(a.PhoneNumber)
	if err != nil {
		return store.ProcessResult{Outcome: models.CallbackUnmatched, Detail: "The callback's phone_number is not an Indonesian mobile number; nothing changed."}
	}
	acct, err := s.store.LatestOVOAccount(ctx, models.OVOFaspay, canonical)
	if errors.Is(err, store.ErrNotFound) {
		return store.ProcessResult{Outcome: models.CallbackUnmatched,
			Detail: "No OVO account in the dashboard was linked at Faspay with this phone; the callback is kept and changes nothing."}
	}
	if err != nil {
		return retryLater(err)
	}
	cbID := cb.ID
	ch := store.OVOAccountChange{CallbackID: &cbID}
	var detail string
	if a.Success() {
		ch.To, ch.Reason = models.OVOLinked, "Linked: Faspay's activation callback said "+a.ResponseCode+" "+a.ResponseDesc+"."
		detail = "Activation succeeded; the account is linked."
		if b, err := s.faspay.Balance(ctx, &faspay.BalanceParams{PhoneNo: phone.Local(canonical)}); err == nil {
			ch.Cash, ch.Points = &b.Cash, &b.Points
			detail += " The balance was read with it."
		}
	} else {
		ch.To, ch.Reason = models.OVOFailed, fmt.Sprintf("Faspay's activation callback said %s: %s", a.ResponseCode, a.ResponseDesc)
		detail = "Activation failed: " + a.ResponseDesc
	}
	return store.ProcessResult{RecordType: "ovo_account", RecordID: strconv.FormatInt(acct.ID, 10), Detail: detail, Outcome: models.CallbackApplied,
		Change: store.OVOAccountMove{ID: acct.ID, Change: ch}}
}

// faspayStatus maps payment_status_code to the payment's state.
func faspayStatus(s faspay.PaymentStatus) models.OVOPaymentStatus {
	switch s {
	case faspay.StatusSuccess:
		return models.OVOPayPaid
	case faspay.StatusFailed, faspay.StatusNoBill:
		return models.OVOPayFailed
	case faspay.StatusReversal:
		return models.OVOPayReversed
	case faspay.StatusExpired:
		return models.OVOPayExpired
	case faspay.StatusCancelled:
		return models.OVOPayCancelled
	case faspay.StatusUnprocessed, faspay.StatusInProcess:
		return models.OVOPayPending
	}
	return models.OVOPayUnknown
}

// ProcessFaspayPayment applies a verified Faspay payment notification to
// the payment with its bill_no.
func (s *Service) ProcessFaspayPayment(ctx context.Context, cb *models.Callback) store.ProcessResult {
	n, _ := cb.Parsed.(*faspay.PaymentNotification)
	if n == nil {
		var err error
		if n, err = faspay.ParsePaymentNotification("", cb.Body); err != nil {
			return unreadable(err)
		}
	}
	p, err := s.store.OVOPaymentByRef(ctx, models.OVOFaspay, n.BillNo)
	if errors.Is(err, store.ErrNotFound) {
		return store.ProcessResult{Outcome: models.CallbackUnmatched,
			Detail: "No OVO payment in the dashboard has this bill_no; the notification is kept and changes nothing."}
	}
	if err != nil {
		return retryLater(err)
	}
	text := fmt.Sprintf("Faspay status %s: %s", n.StatusCode, n.StatusCode.Description())
	return s.paymentResult(cb, p, faspayStatus(n.StatusCode), string(n.StatusCode), text, n.TrxID, n.StatusCode.Paid(), n.PaymentTotal)
}

// dokuStatus maps latestTransactionStatus to the payment's state.
func dokuStatus(s doku.TransactionStatus) models.OVOPaymentStatus {
	switch s {
	case doku.StatusSuccess:
		return models.OVOPayPaid
	case doku.StatusInitiated, doku.StatusPaying, doku.StatusPending:
		return models.OVOPayPending
	case doku.StatusRefunded:
		return models.OVOPayReversed
	case doku.StatusCancelled:
		return models.OVOPayCancelled
	case doku.StatusFailed:
		return models.OVOPayFailed
	}
	return models.OVOPayUnknown
}

// ProcessDokuNotify applies a verified DOKU payment notification to the
// payment with its partnerReferenceNo.
func (s *Service) ProcessDokuNotify(ctx context.Context, cb *models.Callback) store.ProcessResult {
	n, _ := cb.Parsed.(*doku.Notification)
	if n == nil {
		var err error
		if n, err = doku.ParseNotification(nil, cb.Body); err != nil {
			return unreadable(err)
		}
	}
	p, err := s.store.OVOPaymentByRef(ctx, models.OVODoku, n.OriginalPartnerReferenceNo)
	if errors.Is(err, store.ErrNotFound) {
		return store.ProcessResult{Outcome: models.CallbackUnmatched,
			Detail: "No OVO payment in the dashboard has this partnerReferenceNo; the notification is kept and changes nothing."}
	}
	if err != nil {
		return retryLater(err)
	}
	text := fmt.Sprintf("DOKU status %s: %s", n.Status, n.Status.Description())
	return s.paymentResult(cb, p, dokuStatus(n.Status), string(n.Status), text, n.OriginalReferenceNo, n.Status == doku.StatusSuccess, n.Amount)
}

// paymentResult builds the change of a notification; a "paid" whose amount
// is not the payment's is kept but not applied.
func (s *Service) paymentResult(cb *models.Callback, p *models.OVOPayment, to models.OVOPaymentStatus, code, text, providerRef string, paid bool, amount int64) store.ProcessResult {
	id := strconv.FormatInt(p.ID, 10)
	if paid && amount != p.Amount {
		return store.ProcessResult{Outcome: models.CallbackNoChange, RecordType: "ovo_payment", RecordID: id,
			Detail: fmt.Sprintf("The notification says paid, but for %s instead of %s; the payment is not marked paid. Check it with the provider.", rupiah(amount), rupiah(p.Amount))}
	}
	cbID := cb.ID
	detail := text
	if !p.Status.CanMoveTo(to) {
		detail += " The payment is already " + p.Status.Label() + "; nothing moves backwards."
	}
	return store.ProcessResult{RecordType: "ovo_payment", RecordID: id, Detail: detail, Outcome: models.CallbackApplied,
		Change: store.OVOPaymentMove{ID: p.ID, Change: store.OVOPaymentChange{To: to, Code: code, CodeText: text, ProviderRef: providerRef, CallbackID: &cbID}}}
}
