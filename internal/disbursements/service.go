// Package disbursements is the maker-checker workflow for OY transfers:
// inquiry before anything else, a partner_trx_id generated once, approval
// by someone other than the maker, exactly one remit, and status followed
// through OY's answers, polling and callbacks — never moving backwards and
// never sending a second remit.
package disbursements

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/lifecycle"
	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
	"backoffice/internal/store"
)

// Timing of the remit and the status checks.
const (
	RemitTimeout = 20 * time.Second // an approver waits at most this for OY's answer
	// notFoundGrace is how long "OY has no record" is tolerated for a remit
	// whose answer was lost before the transfer is marked failed.
	notFoundGrace = 30 * time.Minute
)

// Settings keys an admin sets.
const (
	SettingLowBalance    = "balance.low_threshold"
	SettingDualApproval  = models.SettingDualApprovalAbove
	DefaultLowBalance    = 10_000_000
	DefaultDualApprovals = models.DefaultDualApprovalAbove // a setting of 0: one approval always suffices
)

// Service runs the workflow.
type Service struct {
	store     *store.Store
	oy        *oy.Client
	log       *slog.Logger
	batchWake chan struct{}
}

// New makes the service.
func New(st *store.Store, client *oy.Client, log *slog.Logger) *Service {
	return &Service{store: st, oy: client, log: log, batchWake: make(chan struct{}, 1)}
}

// pollBackoff spaces remit-status checks of a transfer that is not final.
var pollBackoff = lifecycle.Backoff{First: 5 * time.Second, Max: 10 * time.Minute}

// NewPartnerTrxID makes our reference for OY, once per transfer.
func NewPartnerTrxID(at time.Time) string { return lifecycle.Ref("BO", at) }

// StatusFor maps an OY disbursement code to the dashboard's status.
func StatusFor(code string) models.DisbursementStatus {
	switch {
	case code == "000":
		return models.DisbSuccess
	case code == "101" || code == "102" || code == "257":
		return models.DisbInProgress
	case code == "301":
		return models.DisbPending
	case oy.IsFinal(code):
		return models.DisbFailed
	}
	return models.DisbUnknown // 504, 999 and codes OY has not documented
}

func nextPoll(polls int) *time.Time {
	t := pollBackoff.Next(polls, time.Now().UTC())
	return &t
}

// approvalRule reads the admin's two-approval threshold once and returns
// how many approvals an amount needs.
func (s *Service) approvalRule(ctx context.Context) (func(amount int64) int, error) {
	v, err := s.store.Setting(ctx, SettingDualApproval, strconv.Itoa(DefaultDualApprovals))
	if err != nil {
		return nil, err
	}
	limit, err := strconv.ParseInt(v, 10, 64)
	if err != nil || limit < 0 {
		limit = DefaultDualApprovals
	}
	return func(amount int64) int { return models.ApprovalsNeeded(amount, limit) }, nil
}

// ApprovalsNeeded is 2 when the amount is above the admin's threshold.
func (s *Service) ApprovalsNeeded(ctx context.Context, amount int64) (int, error) {
	need, err := s.approvalRule(ctx)
	if err != nil {
		return 0, err
	}
	return need(amount), nil
}

// LowBalanceThreshold is the admin's warning level.
func (s *Service) LowBalanceThreshold(ctx context.Context) (int64, error) {
	v, err := s.store.Setting(ctx, SettingLowBalance, strconv.Itoa(DefaultLowBalance))
	if err != nil {
		return 0, err
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n, nil
}

// InquiryError is a failed inquiry (or request to OY) in the clerk's
// words; nothing was sent.
type InquiryError struct {
	Field string // the form field to show it beside
	// Message is one or more sentences, shown in the reader's language one
	// after another.
	Message []i18n.Message
}

// Text is the error in the request's language.
func (e *InquiryError) Text(ctx context.Context) string {
	parts := make([]string, len(e.Message))
	for i, m := range e.Message {
		parts[i] = m.In(ctx)
	}
	return strings.Join(parts, " ")
}

// Error is the error in English, for logs.
func (e *InquiryError) Error() string { return e.Text(context.Background()) }

// Inquire asks OY (through the bank) who owns the account and checks the
// amount against the balance available now. On success it stores a draft
// with the partner_trx_id this transfer will keep.
func (s *Service) Inquire(ctx context.Context, user *models.User, f Parsed) (*models.DisbursementDraft, error) {
	inq, err := s.oy.Inquiry(ctx, &oy.InquiryParams{RecipientBank: f.Bank, RecipientAccount: f.Account})
	if err != nil {
		var oe *provider.Error
		if errors.As(err, &oe) {
			field := "recipient_account"
			if oe.Code == "205" {
				field = "recipient_bank"
			}
			return nil, &InquiryError{Field: field, Message: []i18n.Message{oy.ClerkTextOf(oe), i18n.M("disb.nothing_sent")}}
		}
		return nil, &InquiryError{Field: "recipient_account", Message: []i18n.Message{i18n.M("disb.inquiry_unreachable")}}
	}
	if bal, err := s.RefreshBalance(ctx, user.Email); err == nil && f.Amount > bal.Available {
		return nil, &InquiryError{Field: "amount", Message: []i18n.Message{i18n.M("disb.inquiry_balance", "Amount", money.Format(bal.Available))}}
	}
	d := &models.DisbursementDraft{Key: randomKey(), UserID: user.ID, RecipientBank: f.Bank, RecipientAccount: f.Account,
		RecipientName: inq.RecipientName, Amount: f.Amount, Note: f.Note, Emails: strings.Join(f.Emails, ","), PartnerTrxID: NewPartnerTrxID(time.Now())}
	if err := s.store.CreateDraft(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// BalanceError refuses an approval for the OY balance, read just now.
type BalanceError struct {
	Reading *models.BalanceReading // nil: the balance could not be read
	Needed  int64
}

// Message is the refusal, to be shown in the reader's language.
func (e *BalanceError) Message() i18n.Message {
	if e.Reading == nil {
		return i18n.M("disb.balance_unreadable")
	}
	return i18n.M("disb.balance_too_low", "Available", money.Format(e.Reading.Available), "Needed", money.Format(e.Needed))
}

// Error is the refusal in English, for logs.
func (e *BalanceError) Error() string { return e.Message().String() }

// Is lets callers test for models.ErrBalanceShort.
func (e *BalanceError) Is(target error) bool { return target == models.ErrBalanceShort }

// CoverFromBalance reads OY's balance now and refuses (a *BalanceError)
// when its available part cannot cover amount.
func (s *Service) CoverFromBalance(ctx context.Context, amount int64, actor string) (*models.BalanceReading, error) {
	r, err := s.RefreshBalance(ctx, actor)
	if err != nil {
		s.log.Warn("balance read before approval", "err", err.Error())
		return nil, &BalanceError{Needed: amount}
	}
	if amount > r.Available {
		return r, &BalanceError{Reading: r, Needed: amount}
	}
	return r, nil
}

// Decide records an approval or rejection and, when this decision
// completes the approvals, sends the one remit. An approval is refused
// when OY's available balance, read just now, cannot cover the transfer.
func (s *Service) Decide(ctx context.Context, id int64, dec store.Decision, audit *models.AuditEntry) (*models.Disbursement, error) {
	if dec.Approve {
		d, err := s.store.DisbursementByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if d.Status == models.DisbWaitingApproval && d.MakerID != dec.User.ID && d.BatchID == nil {
			if _, err := s.CoverFromBalance(ctx, d.Amount, dec.User.Email); err != nil {
				return d, err
			}
		}
	}
	res, err := s.store.Decide(ctx, id, dec, audit)
	if err != nil {
		return res.Disbursement, err
	}
	if res.Claimed {
		s.send(ctx, res.Disbursement, dec.User.Email)
	}
	return s.store.DisbursementByID(ctx, id)
}

// send makes the remit. Called only by the decision that claimed the
// disbursement, so it runs once per transfer; OY's answer, or the lack of
// one, decides the next status.
func (s *Service) send(ctx context.Context, d *models.Disbursement, actor string) {
	var emails []string
	if d.Emails != "" {
		emails = strings.Split(d.Emails, ",")
	}
	res, result, err := lifecycle.Send(ctx, RemitTimeout, func(ctx context.Context) (*oy.Disbursement, error) {
		return s.oy.Remit(ctx, &oy.RemitParams{RecipientBank: d.RecipientBank, RecipientAccount: d.RecipientAccount, Amount: d.Amount,
			Note: d.Note, PartnerTrxID: d.PartnerTrxID, Emails: emails})
	})
	ch := store.StatusChange{Source: "api", ActorEmail: actor}
	switch result {
	case provider.Succeeded:
		ch.To, ch.Code, ch.CodeText, ch.TrxID = StatusFor(res.Code), res.Code, res.ProviderMessage, res.TrxID
		ch.Message = "remit answered: " + oy.ClerkMessage(res.Code)
	case provider.Rejected:
		ch.To, ch.Code, ch.CodeText = models.DisbFailed, provider.CodeOf(err), errMessage(err)
		ch.Message = "OY refused the transfer; no money moved: " + errMessage(err)
	default:
		ch.To, ch.Code, ch.CodeText = models.DisbUnknown, provider.CodeOf(err), errMessage(err)
		ch.Message = "OY's answer did not arrive (" + errMessage(err) + "); checking with remit-status, the transfer is never sent twice"
	}
	if !ch.To.Final() {
		ch.NextPollAt = nextPoll(0)
	}
	if _, err := s.store.ApplyDisbursementStatus(context.WithoutCancel(ctx), d.ID, ch); err != nil {
		s.log.Error("record remit answer", "disbursement_id", d.ID, "err", err.Error())
	}
}

// clerkText is errMessage to be shown in the reader's language.
func clerkText(err error) i18n.Message {
	var oe *provider.Error
	if errors.As(err, &oe) && oe.Message != "" {
		return oy.ClerkTextOf(oe)
	}
	return i18n.M("oy.no_answer")
}

func errMessage(err error) string {
	var oe *provider.Error
	if errors.As(err, &oe) && oe.Message != "" {
		return oe.Message
	}
	return "no answer from OY"
}

// Poll checks every disbursement whose next status check is due.
func (s *Service) Poll(ctx context.Context) (int, error) {
	due, err := s.store.DuePolls(ctx, 50)
	if err != nil {
		return 0, err
	}
	for i := range due {
		s.pollOne(ctx, &due[i])
	}
	return len(due), nil
}

func (s *Service) pollOne(ctx context.Context, d *models.Disbursement) {
	res, err := s.oy.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: d.PartnerTrxID})
	ch := store.StatusChange{Source: "poll", CountPoll: true, NextPollAt: nextPoll(d.Polls + 1)}
	switch {
	case err == nil:
		ch.To, ch.Code, ch.CodeText, ch.TrxID = StatusFor(res.Code), res.Code, res.ProviderMessage, res.TrxID
		ch.Message = "remit-status: " + oy.ClerkMessage(res.Code)
	case provider.CodeOf(err) == "204":
		// OY has no transfer with our reference: the remit never arrived.
		sent := d.UpdatedAt
		if d.SentAt != nil {
			sent = *d.SentAt
		}
		if !lifecycle.NotFoundFailed(sent, time.Now(), notFoundGrace) {
			ch.To, ch.Message = d.Status, "remit-status: OY has no record of it yet; checking again"
			if d.Status == models.DisbSending {
				ch.To = models.DisbUnknown
			}
		} else {
			ch.To, ch.Code, ch.CodeText = models.DisbFailed, "204", errMessage(err)
			ch.Message = "OY still has no record of this transfer long after it was sent: it never reached OY and no money moved"
		}
	default:
		ch.To, ch.Message = d.Status, "remit-status could not be read ("+errMessage(err)+"); trying again later"
	}
	if d.Status == models.DisbSending && ch.To == models.DisbSending {
		ch.To = models.DisbUnknown
	}
	if _, err := s.store.ApplyDisbursementStatus(ctx, d.ID, ch); err != nil {
		s.log.Error("record remit status", "disbursement_id", d.ID, "err", err.Error())
	}
}

// BalanceEvery is how often the OY balance is read in the background, so
// the overview and the history chart stay current without anyone clicking.
const BalanceEvery = 5 * time.Minute

// RunPoller polls due disbursements until ctx ends, and reads the OY
// balance at start and every BalanceEvery.
func (s *Service) RunPoller(ctx context.Context, every time.Duration) {
	lifecycle.Poller{Name: "disbursement", Log: s.log, Every: every,
		Poll:      func(ctx context.Context) error { _, err := s.Poll(ctx); return err },
		ReadEvery: BalanceEvery, Read: func(ctx context.Context) error { _, err := s.RefreshBalance(ctx, ""); return err },
	}.Run(ctx)
}

// Withdraw lets a maker take back their own transfer while it waits.
func (s *Service) Withdraw(ctx context.Context, id int64, maker *models.User, audit *models.AuditEntry) error {
	return s.store.WithdrawDisbursement(ctx, id, maker, audit)
}

// ProcessCallback applies an OY disbursement callback. OY signs nothing,
// so the state is confirmed with remit-status before anything changes; a
// callback about a transfer the dashboard does not hold is unmatched.
func (s *Service) ProcessCallback(ctx context.Context, cb *models.Callback) store.ProcessResult {
	// Intake parsed the body already and handed it over; a callback read
	// back from the database (a retry, a replay, after a restart) is parsed
	// here, once, and only when its partner_trx_id (stored at intake) names
	// a transfer.
	parsed, _ := cb.Parsed.(*oy.DisbursementCallback)
	var parseErr error
	parse := func() error {
		if parsed == nil && parseErr == nil {
			parsed, parseErr = oy.ParseDisbursementCallback(cb.Body)
		}
		return parseErr
	}
	ref := cb.Subject
	if ref == "" || parsed != nil {
		if err := parse(); err != nil {
			return store.ProcessResult{Outcome: models.CallbackUnmatched, Detail: "The body could not be read: " + err.Error()}
		}
		ref = parsed.PartnerTrxID
	}
	d, err := s.store.FindDisbursementRef(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		// The same words for every such callback let the worker record them
		// together; the reference itself is on the callback.
		return store.ProcessResult{Outcome: models.CallbackUnmatched,
			Detail: "No disbursement in the dashboard has this partner_trx_id; the callback is kept and changes nothing."}
	}
	if err != nil {
		return retryLater(err)
	}
	if err := parse(); err != nil {
		return store.ProcessResult{Outcome: models.CallbackUnmatched, Detail: "The body could not be read: " + err.Error()}
	}
	id := strconv.FormatInt(d.ID, 10)
	confirmed, err := s.oy.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: ref})
	if err != nil {
		r := retryLater(fmt.Errorf("could not confirm with OY's remit-status: %s", errMessage(err)))
		r.RecordType, r.RecordID = "disbursement", id
		return r
	}
	to := StatusFor(confirmed.Code)
	detail := fmt.Sprintf("Callback said %s; remit-status confirmed %s (%s).", parsed.Code, confirmed.Code, to.Label())
	cbID := cb.ID
	ch := store.StatusChange{To: to, Code: confirmed.Code, CodeText: confirmed.ProviderMessage, TrxID: confirmed.TrxID,
		Source: "callback", CallbackID: &cbID, Message: detail}
	if !to.Final() {
		ch.NextPollAt = nextPoll(d.Polls)
	}
	res := store.ProcessResult{RecordType: "disbursement", RecordID: id, Detail: detail, Outcome: models.CallbackApplied,
		Change: store.DisbursementMove{ID: d.ID, Change: ch}}
	return res
}

func retryLater(err error) store.ProcessResult {
	t := time.Now().UTC().Add(time.Minute)
	return store.ProcessResult{Outcome: models.CallbackFailed, Error: err.Error(), NextTryAt: &t}
}

// ResendCallback asks OY to send the disbursement callback again.
func (s *Service) ResendCallback(ctx context.Context, d *models.Disbursement, audit *models.AuditEntry) error {
	res, err := s.oy.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: d.PartnerTrxID, SendCallback: true})
	if err != nil {
		return &InquiryError{Message: []i18n.Message{i18n.M("disb.resend_failed"), clerkText(err)}}
	}
	return s.store.AddDisbursementEvent(ctx, &models.DisbursementEvent{DisbursementID: d.ID, Source: "poll", FromStatus: d.Status, ToStatus: d.Status,
		OYCode: res.Code, Message: "asked OY to send the callback again (remit-status with send_callback)", ActorEmail: audit.ActorEmail}, audit)
}

// RefreshBalance reads the OY balance now and keeps the reading.
func (s *Service) RefreshBalance(ctx context.Context, actor string) (*models.BalanceReading, error) {
	b, err := s.oy.Balance(ctx)
	if err != nil {
		return nil, err
	}
	r := &models.BalanceReading{At: time.Now().UTC(), Balance: b.Balance, Overdraft: b.Overdraft, Overbooking: b.Overbooking,
		Pending: b.Pending, Available: b.Available, ActorEmail: actor}
	if err := s.store.AddBalanceReading(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}
