// Package topups is the OVO top-up workflow through Ayopop: inquiry first
// (the customer name Ayopop returns, the amount, the admin fee), the
// clerk's confirmation of the name, a second person's approval above the
// admin's threshold, a refNumber made once, exactly one payment, and the
// status followed through polling (never sooner than Ayopop's 150 s) and
// callbacks confirmed with /bill/status — never moving backwards and never
// paying twice. It follows internal/lifecycle as disbursements do.
package topups

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/lifecycle"
	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/phone"
	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/clerktext"
	"backoffice/internal/providers/provider"
	"backoffice/internal/store"
)

// Settings keys an admin sets, and their defaults.
const (
	SettingApprovalAbove = "topup.approval_above"
	SettingLowBalance    = "ayopop.low_balance_below"
	DefaultApprovalAbove = 1_000_000
	DefaultLowBalance    = 5_000_000
)

// Timing of the payment and the status checks.
const (
	PayTimeout = 25 * time.Second // a clerk waits at most this for Ayopop's payment answer
	// notFoundGrace is how long "Ayopop has no top-up with this refNumber"
	// is tolerated after the payment was sent before it counts as never
	// received (no money moved).
	notFoundGrace = 30 * time.Minute
	productsFresh = 10 * time.Minute
	// BalanceEvery is how often the deposit is read in the background.
	BalanceEvery = 5 * time.Minute
)

// pollBackoff spaces status checks: never sooner than Ayopop's advised
// 150 s, doubling to half an hour.
var pollBackoff = lifecycle.Backoff{First: ayopop.StatusCheckDelay, Max: 30 * time.Minute}

// NewRefNumber makes our reference for Ayopop, once per top-up.
func NewRefNumber(at time.Time) string { return lifecycle.Ref("TU", at) }

// Service runs the workflow.
type Service struct {
	store  *store.Store
	ayopop *ayopop.Client
	log    *slog.Logger
	now    func() time.Time

	mu         sync.Mutex
	products   []ayopop.Product
	productsAt time.Time
}

// New makes the service; now may be nil (time.Now).
func New(st *store.Store, client *ayopop.Client, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, ayopop: client, log: log, now: now}
}

// InputError is a refused step in the clerk's words; nothing was paid.
// Message is English (logs, tests); Text is the sentence for the page.
type InputError struct {
	Field   string // the form field to show it beside; "_form" for the form
	Message string
	Msg     i18n.Message
}

func (e *InputError) Error() string { return e.Message }

// Text is the refusal in the request's language.
func (e *InputError) Text(ctx context.Context) string { return MessageIn(ctx, e.Msg) }

func inputError(field string, m i18n.Message) *InputError {
	return &InputError{Field: field, Message: m.String(), Msg: m}
}

// Reason is a provider's English sentence given as the argument of a
// message: translated with it (internal/providers/clerktext).
type Reason string

func (r Reason) String() string { return string(r) }

// MessageIn is m in the request's language, its Reason arguments too.
func MessageIn(ctx context.Context, m i18n.Message) string {
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		if r, ok := a.(Reason); ok {
			a = clerktext.Translate(ctx, string(r))
		}
		args[i] = a
	}
	return i18n.T(ctx, m.ID, args...)
}

// Products are Ayopop's OVO products, active ones first as listed, read
// at most every ten minutes.
func (s *Service) Products(ctx context.Context) ([]ayopop.Product, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.products != nil && s.now().Sub(s.productsAt) < productsFresh {
		return s.products, nil
	}
	ps, err := s.ayopop.Products(ctx, nil)
	if err != nil {
		if s.products != nil {
			return s.products, nil
		}
		return nil, inputError("_form", i18n.M("topups.err_products", "Reason", Reason(errMessage(err))))
	}
	var active []ayopop.Product
	for _, p := range ps {
		if p.Active {
			active = append(active, p)
		}
	}
	s.products, s.productsAt = active, s.now()
	return active, nil
}

// threshold reads a whole-rupiah setting.
func (s *Service) threshold(ctx context.Context, key string, def int64) (int64, error) {
	v, err := s.store.Setting(ctx, key, strconv.FormatInt(def, 10))
	if err != nil {
		return 0, err
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n, nil
}

// ApprovalsNeeded is 1 (someone other than the maker) when total is above
// the admin's threshold, otherwise 0.
func (s *Service) ApprovalsNeeded(ctx context.Context, total int64) (int, error) {
	above, err := s.threshold(ctx, SettingApprovalAbove, DefaultApprovalAbove)
	if err != nil {
		return 0, err
	}
	return models.TopupApprovalsNeeded(total, above), nil
}

// LowBalanceThreshold is the admin's warning level for the Ayopop deposit.
func (s *Service) LowBalanceThreshold(ctx context.Context) (int64, error) {
	return s.threshold(ctx, SettingLowBalance, DefaultLowBalance)
}

// Deposit is the latest reading of the Ayopop deposit and whether it is
// below the warning level; nil Reading: never read.
type Deposit struct {
	Reading *models.AyopopBalanceReading
	Low     bool
	Below   int64
}

// Deposit reads the newest stored reading (no call to Ayopop).
func (s *Service) Deposit(ctx context.Context) (Deposit, error) {
	var d Deposit
	th, err := s.LowBalanceThreshold(ctx)
	if err != nil {
		return d, err
	}
	d.Below = th
	r, err := s.store.LatestAyopopBalance(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	d.Reading, d.Low = r, th > 0 && r.Balance < th
	return d, nil
}

// RefreshBalance reads the Ayopop deposit now and keeps the reading.
func (s *Service) RefreshBalance(ctx context.Context, actor string) (*models.AyopopBalanceReading, error) {
	b, err := s.ayopop.Balance(ctx, nil)
	if err != nil {
		return nil, err
	}
	r := &models.AyopopBalanceReading{At: s.now().UTC(), Balance: b.Balance, ActorEmail: actor}
	if err := s.store.AddAyopopBalanceReading(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// inquiryField is the form field an inquiry refusal belongs beside.
func inquiryField(code string) string {
	switch code {
	case strconv.Itoa(ayopop.CodeAccountNotFound), strconv.Itoa(ayopop.CodeBadRequest):
		return "phone"
	case strconv.Itoa(ayopop.CodeProductNotFound):
		return "product"
	case strconv.Itoa(ayopop.CodeAmountInvalid):
		return "amount"
	}
	return "_form"
}

// Inquire asks Ayopop about the OVO account and the amount, checks the
// deposit, and stores a draft with the refNumber this top-up will keep.
func (s *Service) Inquire(ctx context.Context, user *models.User, p Parsed) (*models.TopupDraft, error) {
	inq, err := s.ayopop.Inquiry(ctx, &ayopop.InquiryParams{AccountNumber: phone.Local(p.Phone), ProductCode: p.Product.Code, Amount: p.Amount})
	if err != nil {
		var pe *provider.Error
		if errors.As(err, &pe) && pe.Outcome == provider.Rejected && pe.Code != "" {
			code, _ := strconv.Atoi(pe.Code)
			return nil, inputError(inquiryField(pe.Code), i18n.M("topups.err_inquiry", "Reason", Reason(ayopop.CodeMessage(code))))
		}
		return nil, inputError("_form", i18n.M("topups.err_no_answer", "Reason", Reason(errMessage(err))))
	}
	if p.Amount > 0 && inq.Amount < p.Amount {
		return nil, inputError("amount", i18n.M("topups.err_priced_less", "Priced", money.Format(inq.Amount), "Typed", money.Format(p.Amount)))
	}
	if bal, err := s.RefreshBalance(ctx, user.Email); err == nil && bal.Balance < inq.Total() {
		return nil, inputError("_form", i18n.M("topups.err_deposit_low", "Balance", money.Format(bal.Balance), "Total", money.Format(inq.Total())))
	}
	name := inq.CustomerName
	if name == "" {
		name = "(Ayopop returned no name)"
	}
	productName := inq.ProductName
	if productName == "" {
		productName = p.Product.Name
	}
	d := &models.TopupDraft{Key: randomKey(), UserID: user.ID, Phone: p.Phone, ProductCode: p.Product.Code, ProductName: productName,
		OpenAmount: p.Product.IsOpenAmount(), Amount: inq.Amount, AdminFee: inq.TotalAdmin, CustomerName: name, InquiryID: inq.InquiryID,
		RefNumber: NewRefNumber(s.now())}
	if err := s.store.CreateTopupDraft(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Confirm turns a confirmed draft into a top-up. Below the approval
// threshold it pays at once; a repeat of the same draft returns the first
// top-up and pays nothing.
func (s *Service) Confirm(ctx context.Context, draft *models.TopupDraft, user *models.User, audit *models.AuditEntry) (store.ConfirmTopupResult, error) {
	need, err := s.ApprovalsNeeded(ctx, draft.Total())
	if err != nil {
		return store.ConfirmTopupResult{}, err
	}
	res, err := s.store.ConfirmTopupDraft(ctx, draft, user, need, audit)
	if err != nil {
		return res, err
	}
	if res.Claimed {
		s.pay(ctx, res.Topup, user.Email)
		if t, err := s.store.TopupByID(ctx, res.Topup.ID); err == nil {
			res.Topup = t
		}
	}
	return res, nil
}

// Decide records an approval or rejection and, when it completes the
// approvals, sends the one payment.
func (s *Service) Decide(ctx context.Context, id int64, dec store.Decision, audit *models.AuditEntry) (*models.Topup, error) {
	res, err := s.store.DecideTopup(ctx, id, dec, audit)
	if err != nil {
		return res.Topup, err
	}
	if res.Claimed {
		s.pay(ctx, res.Topup, dec.User.Email)
	}
	return s.store.TopupByID(ctx, id)
}

func (s *Service) nextPoll(polls int) *time.Time {
	t := pollBackoff.Next(polls, s.now().UTC())
	return &t
}

// observe turns an Ayopop transaction answer into an observation.
func observe(tx *ayopop.Transaction) models.TopupObservation {
	o := models.TopupObservation{Code: strconv.Itoa(tx.Code), CodeText: tx.ProviderMessage.Text(), TransactionID: tx.TransactionID,
		SerialNumber: tx.SerialNumber, CustomerName: tx.CustomerName}
	if !tx.PaidAt.IsZero() {
		at := tx.PaidAt.UTC()
		o.PaidAt = &at
	}
	switch tx.State {
	case ayopop.StateSuccess:
		o.To = models.TopupSuccess
	case ayopop.StateFailed:
		o.To = models.TopupFailed
	default:
		o.To = models.TopupPending
	}
	return o
}

// notFinal is the observation of an answer that settles nothing: a code
// of the failed range (not confirmed as final) or no trustworthy answer.
func notFinal(err error, from models.TopupStatus) models.TopupObservation {
	o := models.TopupObservation{Code: provider.CodeOf(err), CodeText: errMessage(err)}
	switch {
	case ayopop.ClassOf(err) == ayopop.ClassFailed:
		o.To = models.TopupFailing
	case from == models.TopupPaying || from == models.TopupWaitingApproval:
		o.To = models.TopupUnknown
	default:
		o.To = from
	}
	return o
}

// pay sends the payment. Only the confirmation or decision that claimed
// the top-up calls it, so it runs once per top-up; Ayopop's answer, or
// the lack of one, decides the next status.
func (s *Service) pay(ctx context.Context, t *models.Topup, actor string) {
	tx, result, err := lifecycle.Send(ctx, PayTimeout, func(ctx context.Context) (*ayopop.Transaction, error) {
		return s.ayopop.Pay(ctx, &ayopop.PaymentParams{RefNumber: t.RefNumber, AccountNumber: phone.Local(t.Phone), ProductCode: t.ProductCode,
			Amount: t.Amount, InquiryID: t.InquiryID})
	})
	var o models.TopupObservation
	switch result {
	case provider.Succeeded:
		o = observe(tx)
		o.Message = "payment answered: " + ayopop.CodeMessage(tx.Code)
	case provider.Rejected:
		o = models.TopupObservation{To: models.TopupFailed, Code: provider.CodeOf(err), CodeText: errMessage(err),
			Message: "the payment was refused before any money moved: " + errMessage(err)}
	default:
		o = notFinal(err, models.TopupPaying)
		o.Message = "Ayopop's payment answer was not final (" + errMessage(err) + "); settled by /bill/status only, the top-up is never paid twice"
	}
	o.Source, o.ActorEmail = "api", actor
	if !o.To.Final() {
		o.NextPollAt = s.nextPoll(0)
	}
	if _, err := s.store.ApplyTopupStatus(context.WithoutCancel(ctx), t.ID, o); err != nil {
		s.log.Error("record payment answer", "topup_id", t.ID, "err", err.Error())
	}
}

func errMessage(err error) string {
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Message != "" {
		return pe.Message
	}
	return i18n.In(i18n.EN, "ayopopmsg.no_answer")
}

// Poll checks every top-up whose next status check is due.
func (s *Service) Poll(ctx context.Context) (int, error) {
	due, err := s.store.DueTopupPolls(ctx, s.now(), 50)
	if err != nil {
		return 0, err
	}
	for i := range due {
		s.pollOne(ctx, &due[i])
	}
	return len(due), nil
}

func (s *Service) pollOne(ctx context.Context, t *models.Topup) {
	tx, err := s.ayopop.Status(ctx, &ayopop.StatusParams{RefNumber: t.RefNumber})
	var o models.TopupObservation
	switch {
	case err == nil:
		o = observe(tx)
		o.Message = "bill/status: " + ayopop.CodeMessage(tx.Code)
	case provider.CodeOf(err) == strconv.Itoa(ayopop.CodeTransactionNotFound):
		sent := t.UpdatedAt
		if t.SentAt != nil {
			sent = *t.SentAt
		}
		if lifecycle.NotFoundFailed(sent, s.now(), notFoundGrace) {
			o = models.TopupObservation{To: models.TopupFailed, Code: provider.CodeOf(err), CodeText: errMessage(err),
				Message: "Ayopop still has no top-up with this refNumber long after it was sent: it never reached Ayopop and no money moved"}
		} else {
			o = notFinal(err, t.Status)
			o.Message = "bill/status: Ayopop has no record of it yet; checking again"
		}
	default:
		o = notFinal(err, t.Status)
		o.Message = "bill/status gave no final answer (" + errMessage(err) + "); checking again later"
	}
	o.Source, o.CountPoll = "poll", true
	if !o.To.Final() {
		o.NextPollAt = s.nextPoll(t.Polls + 1)
	}
	if _, err := s.store.ApplyTopupStatus(ctx, t.ID, o); err != nil {
		s.log.Error("record top-up status", "topup_id", t.ID, "err", err.Error())
	}
}

// RunPoller polls due top-ups every interval until ctx ends, and reads the
// Ayopop deposit at start and every BalanceEvery.
func (s *Service) RunPoller(ctx context.Context, every time.Duration) {
	lifecycle.Poller{Name: "top-up", Log: s.log, Every: every,
		Poll:      func(ctx context.Context) error { _, err := s.Poll(ctx); return err },
		ReadEvery: BalanceEvery, Read: func(ctx context.Context) error { _, err := s.RefreshBalance(ctx, ""); return err },
	}.Run(ctx)
}

// ProcessCallback applies a verified Ayopop callback. Ayopop signs
// nothing, so the state is confirmed with /bill/status before anything
// changes; a callback about a refNumber the dashboard does not hold is
// unmatched and changes nothing.
func (s *Service) ProcessCallback(ctx context.Context, cb *models.Callback) store.ProcessResult {
	ref := cb.Subject
	if ref == "" {
		parsed, _ := cb.Parsed.(*ayopop.Callback)
		if parsed == nil {
			var err error
			if parsed, err = ayopop.ParseCallback(cb.Body); err != nil {
				return store.ProcessResult{Outcome: models.CallbackUnmatched, Detail: "The body could not be read: " + err.Error()}
			}
		}
		ref = parsed.RefNumber
	}
	if ref == "" {
		return store.ProcessResult{Outcome: models.CallbackUnmatched, Detail: "The callback carries no refNumber; it is kept and changes nothing."}
	}
	t, err := s.store.TopupByRef(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return store.ProcessResult{Outcome: models.CallbackUnmatched,
			Detail: "No top-up in the dashboard has this refNumber; the callback is kept and changes nothing."}
	}
	if err != nil {
		return retryLater(err)
	}
	id := strconv.FormatInt(t.ID, 10)
	tx, err := s.ayopop.Status(ctx, &ayopop.StatusParams{RefNumber: ref})
	if err != nil && ayopop.ClassOf(err) != ayopop.ClassFailed {
		r := retryLater(fmt.Errorf("could not confirm with Ayopop's bill/status: %s", errMessage(err)))
		r.RecordType, r.RecordID = "topup", id
		return r
	}
	var o models.TopupObservation
	if err != nil {
		o = notFinal(err, t.Status)
	} else {
		o = observe(tx)
	}
	o.Message = fmt.Sprintf("Callback confirmed by bill/status: code %s (%s).", o.Code, o.To.Label())
	cbID := cb.ID
	o.Source, o.CallbackID = "callback", &cbID
	if !o.To.Final() {
		o.NextPollAt = s.nextPoll(t.Polls)
	}
	return store.ProcessResult{RecordType: "topup", RecordID: id, Detail: o.Message, Outcome: models.CallbackApplied,
		Change: store.TopupMove{ID: t.ID, Change: o}}
}

func retryLater(err error) store.ProcessResult {
	t := time.Now().UTC().Add(time.Minute)
	return store.ProcessResult{Outcome: models.CallbackFailed, Error: err.Error(), NextTryAt: &t}
}
