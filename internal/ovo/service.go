// Package ovo links customers' OVO e-wallets to the merchant through
// Faspay OVO Tokenize and DOKU SNAP, reads their balances and history,
// charges them and unlinks them, and applies the providers' callbacks.
// Charges follow internal/lifecycle: the reference is made and stored
// before anything is sent, the request is sent once, and an answer that
// never came is settled by the notification only, never by charging again.
package ovo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/url"
	"strconv"
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/lifecycle"
	"backoffice/internal/models"
	"backoffice/internal/phone"
	"backoffice/internal/providers/clerktext"
	"backoffice/internal/providers/doku"
	"backoffice/internal/providers/faspay"
	"backoffice/internal/providers/provider"
	"backoffice/internal/store"
	"backoffice/internal/wib"
)

// SendTimeout bounds one money-moving request, detached from the clerk's
// request so closing the tab never turns a sent charge into a lost answer.
const SendTimeout = 40 * time.Second

// Service is the OVO workflow.
type Service struct {
	store  *store.Store
	faspay *faspay.Client
	doku   *doku.Client
	base   string // DASHBOARD_BASE_URL, for the DOKU return pages
	log    *slog.Logger
	now    func() time.Time
}

// New builds the service.
func New(st *store.Store, fc *faspay.Client, dc *doku.Client, baseURL string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: st, faspay: fc, doku: dc, base: baseURL, log: log, now: time.Now}
}

// ReturnPath is where DOKU sends the customer's browser after the OVO
// binding page: /ovo-return/doku/{custIdMerchant}/{success|failed}.
const ReturnPath = "/ovo-return/doku/"

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomDigits(n int) string {
	out := make([]byte, n)
	for i := range out {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		out[i] = byte('0' + d.Int64())
	}
	return string(out)
}

// billNo is Faspay's bill_no, which it documents as Numeric (32): the WIB
// time to the second and eight random digits (22 digits).
func billNo(at time.Time) string { return at.In(wib.Zone).Format("20060102150405") + randomDigits(8) }

// externalID is DOKU's X-EXTERNAL-ID: numeric, unique per day.
func externalID(at time.Time) string { return at.In(wib.Zone).Format("150405") + randomDigits(12) }

// Link starts linking: a pending account is stored, then the provider is
// asked for the OVO page the customer opens. A phone already pending or
// linked at the provider is refused with a FieldError.
func (s *Service) Link(ctx context.Context, u *models.User, r LinkRequest, audit *models.AuditEntry) (*models.OVOAccount, error) {
	if a, err := s.store.LiveOVOAccount(ctx, r.Provider, r.Phone); err == nil {
		return a, alreadyLinked(a)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	a := &models.OVOAccount{Provider: r.Provider, CustomerName: r.Name, Phone: r.Phone, MakerID: u.ID, MakerEmail: u.Email}
	if r.Provider == models.OVODoku {
		a.CustID = "cust" + randomHex(12)
	}
	audit.Summary = fmt.Sprintf("started linking the %s OVO account of %s (%s)", models.OVOProviderLabel(r.Provider), r.Name, phone.Mask(r.Phone))
	if err := s.store.CreateOVOAccount(ctx, a, audit); errors.Is(err, store.ErrAlreadyLinked) {
		live, lerr := s.store.LiveOVOAccount(ctx, r.Provider, r.Phone)
		if lerr != nil {
			return nil, lerr
		}
		return live, alreadyLinked(live)
	} else if err != nil {
		return nil, err
	}
	var redirect, ref string
	var err error
	switch r.Provider {
	case models.OVOFaspay:
		var act *faspay.Activation
		act, err = s.faspay.Activate(ctx, &faspay.ActivationParams{PhoneNo: phone.Local(r.Phone), CustName: r.Name})
		if err == nil {
			redirect = act.RedirectURL
		}
	case models.OVODoku:
		var b *doku.Binding
		b, err = s.doku.BindAccount(ctx, &doku.BindParams{PhoneNo: r.Phone, CustIDMerchant: a.CustID,
			SuccessRegistrationURL: s.base + ReturnPath + a.CustID + "/success", FailedRegistrationURL: s.base + ReturnPath + a.CustID + "/failed"})
		if err == nil {
			redirect, ref = b.RedirectURL, b.ReferenceNo
		}
	}
	if err != nil {
		// Nothing is linked: the account ends failed with the provider's words.
		reason := provider.MessageOf(err)
		if pe, ok := provider.AsError(err); ok && pe.ProviderMessage != "" {
			reason += " (" + models.OVOProviderLabel(r.Provider) + ": " + pe.ProviderMessage + ")"
		}
		if _, cerr := s.store.ChangeOVOAccount(ctx, a.ID, store.OVOAccountChange{To: models.OVOFailed, Reason: reason}, nil); cerr != nil {
			return nil, cerr
		}
		return a, &FieldError{Field: "phone_no", Message: reason}
	}
	if err := s.store.SetOVOBinding(ctx, a.ID, redirect, ref); err != nil {
		return nil, err
	}
	a.RedirectURL, a.BindingRef = redirect, ref
	return a, nil
}

func alreadyLinked(a *models.OVOAccount) *FieldError {
	key := "ovo.already_linked"
	if a.State == models.OVOPending {
		key = "ovo.already_waiting"
	}
	m := i18n.M(key, "Provider", models.OVOProviderLabel(a.Provider), "Account", a.ID, "Name", a.CustomerName)
	return &FieldError{Field: "phone_no", Message: m.String(), Msg: m}
}

// DokuReturn applies DOKU's binding result, which arrives as the
// customer's browser returning from OVO's page: success carries an
// authCode that only DOKU's token call can turn into a customer token, so
// the link is confirmed by DOKU, not by the browser. The message is for
// the customer's page.
func (s *Service) DokuReturn(ctx context.Context, custID, result, authCode string) (*models.OVOAccount, i18n.Message, error) {
	a, err := s.store.OVOAccountByCustID(ctx, custID)
	if err != nil {
		return nil, i18n.Message{}, err
	}
	if a.State != models.OVOPending {
		return a, i18n.M("ovo.return_already", "State", stateWords(a.State)), nil
	}
	if result != "success" {
		_, err := s.store.ChangeOVOAccount(ctx, a.ID, store.OVOAccountChange{To: models.OVOFailed,
			Reason: "The customer cancelled OVO's OTP/PIN page, or entered it wrongly three times (DOKU binding result)."}, nil)
		return a, i18n.M("ovo.return_cancelled"), err
	}
	if authCode == "" {
		return a, i18n.M("ovo.return_no_code"), nil
	}
	ct, err := s.doku.AccessTokenB2B2C(ctx, &doku.CustomerTokenParams{AuthCode: authCode})
	if err != nil {
		if provider.IsRejected(err) {
			_, cerr := s.store.ChangeOVOAccount(ctx, a.ID, store.OVOAccountChange{To: models.OVOFailed,
				Reason: "DOKU refused the binding's authorisation code: " + provider.MessageOf(err)}, nil)
			return a, i18n.M("ovo.return_refused"), cerr
		}
		return a, i18n.M("ovo.return_no_answer"), nil
	}
	ch := store.OVOAccountChange{To: models.OVOLinked, Reason: "Linked: DOKU issued the customer token after the OVO OTP/PIN page.", CustomerToken: ct.AccessToken}
	if bal, err := s.doku.BalanceInquiry(ctx, &doku.BalanceParams{CustomerToken: ct.AccessToken}); err == nil {
		if cash, ok := bal.Cash(); ok {
			ch.Cash = &cash
		}
	}
	if _, err := s.store.ChangeOVOAccount(ctx, a.ID, ch, nil); err != nil {
		return a, i18n.Message{}, err
	}
	return a, i18n.M("ovo.return_linked"), nil
}

// stateWords is a state's words as a message argument: translated with
// the sentence it is put in (i18n.Message.In looks keys up, see Words).
func stateWords(s models.OVOAccountState) Words { return Words(s.LabelKey()) }

// Words is a catalogue key given as the argument of another message; its
// English is what Error() and logs read.
type Words string

func (w Words) String() string { return i18n.In(i18n.EN, string(w)) }

// Refusal is a refusal in words, for the page. Message is English (logs,
// tests); Text is the sentence in the reader's language.
type Refusal struct {
	Message string
	// Msg is the sentence as a catalogue message; when zero, Message is a
	// provider's sentence (and its own words in brackets), translated by
	// clerktext.
	Msg i18n.Message
}

func (r *Refusal) Error() string { return r.Message }

// Text is the refusal in the request's language.
func (r *Refusal) Text(ctx context.Context) string {
	if !r.Msg.IsZero() {
		return msgIn(ctx, r.Msg)
	}
	return clerktext.Translate(ctx, r.Message)
}

func refuse(m i18n.Message) *Refusal { return &Refusal{Message: m.String(), Msg: m} }

// msgIn is m in the request's language, with Words arguments translated too.
func msgIn(ctx context.Context, m i18n.Message) string {
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		if w, ok := a.(Words); ok {
			a = i18n.T(ctx, string(w))
		}
		args[i] = a
	}
	return i18n.T(ctx, m.ID, args...)
}

// MessageIn is m in the request's language, with Words arguments
// translated too: for the messages this package returns.
func MessageIn(ctx context.Context, m i18n.Message) string { return msgIn(ctx, m) }

func refusal(err error) error {
	msg := provider.MessageOf(err)
	if pe, ok := provider.AsError(err); ok && pe.ProviderMessage != "" && pe.ProviderMessage != msg {
		msg += " (" + pe.ProviderMessage + ")"
	}
	return &Refusal{Message: msg}
}

// RefreshBalance reads the balance and stores it. A pending, failed or
// unlinked account is not asked about: the Refusal says why.
func (s *Service) RefreshBalance(ctx context.Context, a *models.OVOAccount) error {
	if ok, why := a.BalanceReadable(); !ok {
		return refuse(why)
	}
	switch a.Provider {
	case models.OVOFaspay:
		b, err := s.faspay.Balance(ctx, &faspay.BalanceParams{PhoneNo: phone.Local(a.Phone)})
		if err != nil {
			return refusal(err)
		}
		return s.store.SetOVOBalance(ctx, a.ID, b.Cash, &b.Points)
	default:
		b, err := s.doku.BalanceInquiry(ctx, &doku.BalanceParams{CustomerToken: a.CustomerToken})
		if err != nil {
			return refusal(err)
		}
		cash, ok := b.Cash()
		if !ok {
			return refuse(i18n.M("ovo.doku_no_cash"))
		}
		return s.store.SetOVOBalance(ctx, a.ID, cash, nil)
	}
}

// HistoryPageSize is how many transactions one history page shows.
const HistoryPageSize = 10

// History reads one page of Faspay's transaction history.
func (s *Service) History(ctx context.Context, a *models.OVOAccount, from, to time.Time, page int) (*faspay.History, error) {
	if a.Provider != models.OVOFaspay {
		return nil, refuse(i18n.M("ovo.doku_no_history"))
	}
	if ok, why := a.BalanceReadable(); !ok {
		return nil, refuse(why)
	}
	h, err := s.faspay.History(ctx, &faspay.HistoryParams{PhoneNo: phone.Local(a.Phone), StartDate: from, EndDate: to, Page: max(page, 1), Limit: HistoryPageSize})
	if err != nil {
		return nil, refusal(err)
	}
	return h, nil
}

// TopUpInstructions reads Faspay's top-up options for the account.
func (s *Service) TopUpInstructions(ctx context.Context, a *models.OVOAccount) (*faspay.TopUpInstruction, error) {
	if a.Provider != models.OVOFaspay {
		return nil, refuse(i18n.M("ovo.topup_faspay_only"))
	}
	t, err := s.faspay.TopUpInstruction(ctx, &faspay.TopUpInstructionParams{PhoneNo: phone.Local(a.Phone)})
	if err != nil {
		return nil, refusal(err)
	}
	return t, nil
}

// ErrAlreadyCharged: the form was submitted before; the payment it made is returned with it.
var ErrAlreadyCharged = errors.New("ovo: this payment form was already sent")

// Pay charges a linked account: the payment and its reference are stored
// first (with the audit entry), then the request is sent exactly once.
// The customer confirms on the returned payment's RedirectURL; the state
// is settled by the notification. A form key used before returns that
// payment with ErrAlreadyCharged and sends nothing.
func (s *Service) Pay(ctx context.Context, u *models.User, a *models.OVOAccount, r PayRequest, audit *models.AuditEntry) (*models.OVOPayment, error) {
	if a.State != models.OVOLinked {
		return nil, refuse(i18n.M("ovo.only_linked", "State", stateWords(a.State)))
	}
	at := s.now()
	p := &models.OVOPayment{AccountID: a.ID, Provider: a.Provider, Amount: r.Amount, Description: r.Description, MakerID: u.ID, MakerEmail: u.Email, FormKey: r.Key}
	if a.Provider == models.OVOFaspay {
		p.Ref, p.PayType = billNo(at), string(r.PayType)
	} else {
		p.Ref, p.ExternalID = lifecycle.Ref("OVO", at), externalID(at)
	}
	audit.Summary = fmt.Sprintf("charged %s to the %s OVO account of %s (%s), ref %s", rupiah(r.Amount), models.OVOProviderLabel(a.Provider),
		a.CustomerName, phone.Mask(a.Phone), p.Ref)
	if err := s.store.CreateOVOPayment(ctx, p, audit); errors.Is(err, store.ErrPaymentFormUsed) {
		prev, perr := s.store.OVOPaymentByFormKey(ctx, r.Key)
		if perr != nil {
			return nil, perr
		}
		return prev, ErrAlreadyCharged
	} else if err != nil {
		return nil, err
	}
	var ch store.OVOPaymentChange
	switch a.Provider {
	case models.OVOFaspay:
		res, outcome, err := lifecycle.Send(ctx, SendTimeout, func(ctx context.Context) (*faspay.Payment, error) {
			return s.faspay.Pay(ctx, &faspay.PaymentParams{BillNo: p.Ref, BillDesc: r.Description, BillTotal: r.Amount, BillCurrency: "IDR",
				PhoneNo: phone.Local(a.Phone), CustName: a.CustomerName, Email: r.Email, PayType: r.PayType})
		})
		ch = sentChange(outcome, err)
		if err == nil {
			ch.ProviderRef, ch.RedirectURL, ch.Code = res.TrxID, res.RedirectURL, res.ResponseCode
		} else if link, ok := faspay.TokenExpired(err); ok {
			ch = store.OVOPaymentChange{To: models.OVOPayTokenExpired, Code: faspay.CodeTokenExpired, RegenerateURL: link,
				CodeText: "Faspay 02: the customer's OVO payment token has expired, so nothing was charged. Send the customer to the link below to renew it, then charge again."}
		}
	default:
		res, outcome, err := lifecycle.Send(ctx, SendTimeout, func(ctx context.Context) (*doku.Payment, error) {
			return s.doku.Pay(ctx, &doku.PaymentParams{CustomerToken: a.CustomerToken, PartnerReferenceNo: p.Ref, Amount: r.Amount, ExternalID: p.ExternalID,
				SuccessPaymentURL: s.base + "/ovo-accounts/" + strconv.FormatInt(a.ID, 10), FailedPaymentURL: s.base + "/ovo-accounts/" + strconv.FormatInt(a.ID, 10)})
		})
		ch = sentChange(outcome, err)
		if err == nil {
			ch.ProviderRef, ch.RedirectURL, ch.Code = res.ReferenceNo, res.WebRedirectURL, res.ResponseCode
		}
	}
	if _, err := s.store.ChangeOVOPayment(context.WithoutCancel(ctx), p.ID, ch); err != nil {
		return p, err
	}
	return s.store.OVOPaymentByID(context.WithoutCancel(ctx), p.ID)
}

// sentChange turns a send's outcome into the payment's next state.
func sentChange(outcome provider.Outcome, err error) store.OVOPaymentChange {
	switch {
	case err == nil:
		return store.OVOPaymentChange{To: models.OVOPayPending, CodeText: "Waiting for the customer to confirm with their PIN on OVO's page."}
	case outcome == provider.Rejected:
		return store.OVOPaymentChange{To: models.OVOPayRejected, Code: provider.CodeOf(err), CodeText: refusal(err).Error()}
	default:
		return store.OVOPaymentChange{To: models.OVOPayUnknown, Code: provider.CodeOf(err),
			CodeText: provider.MessageOf(err) + " It is settled by the provider's notification; it is never sent again, so the customer is not charged twice."}
	}
}

func rupiah(v int64) string {
	s := strconv.FormatInt(v, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, '.')
		}
		out = append(out, s[i])
	}
	return "Rp " + string(out)
}

// Unlink unlinks a linked account at the provider, then records it with
// the audit entry. An account that is not linked says so.
func (s *Service) Unlink(ctx context.Context, a *models.OVOAccount, audit *models.AuditEntry) error {
	switch a.State {
	case models.OVOUnlinked:
		return refuse(i18n.M("ovo.already_unlinked"))
	case models.OVOPending, models.OVOFailed:
		return refuse(i18n.M("ovo.nothing_to_unlink", "State", stateWords(a.State)))
	}
	var err error
	if a.Provider == models.OVOFaspay {
		_, err = s.faspay.Unlink(ctx, &faspay.UnlinkParams{PhoneNo: phone.Local(a.Phone)})
	} else {
		_, err = s.doku.Unbind(ctx, &doku.UnbindParams{CustomerToken: a.CustomerToken})
	}
	if err != nil {
		return refusal(err)
	}
	audit.Summary = fmt.Sprintf("unlinked the %s OVO account of %s (%s)", models.OVOProviderLabel(a.Provider), a.CustomerName, phone.Mask(a.Phone))
	changed, err := s.store.ChangeOVOAccount(context.WithoutCancel(ctx), a.ID, store.OVOAccountChange{To: models.OVOUnlinked, Reason: "Unlinked by " + audit.ActorEmail + "."}, audit)
	if err == nil && !changed {
		return refuse(i18n.M("ovo.already_unlinked"))
	}
	return err
}

// queryOf reads a stored callback's query (its secret already redacted).
func queryOf(raw string) url.Values {
	q, _ := url.ParseQuery(raw)
	return q
}
