// Package va runs OY virtual accounts: create (sent once per form),
// refresh from Get VA Info and the transaction history, update, the
// payment callback, and the background sync of OY's VA list.
package va

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/lifecycle"
	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
	"backoffice/internal/store"
)

// SendTimeout bounds the one create request.
const SendTimeout = 40 * time.Second

// NotFoundGrace is how long an unanswered create may stay missing from
// OY's list before it counts as never made.
const NotFoundGrace = 30 * time.Minute

// SyncPageSize is how many VAs the sync reads per list request.
const SyncPageSize = 50

// maxSyncPages bounds one sync pass (50,000 VAs).
const maxSyncPages = 1000

// Service is the VA workflow.
type Service struct {
	store *store.Store
	oy    *oy.Client
	log   *slog.Logger
	now   func() time.Time
}

// New makes the service; now is time.Now when nil.
func New(st *store.Store, c *oy.Client, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: st, oy: c, log: log, now: now}
}

// FieldError is a create or update OY refused, or a rule it enforces,
// with the form field it belongs beside ("_form" for the whole form).
// Msg is the dashboard's own sentence; Text, when Msg is zero, is OY's
// refusal as the provider layer words it or a stored answer.
type FieldError struct {
	Field string
	Msg   i18n.Message
	Text  string
}

func (e *FieldError) Error() string {
	if !e.Msg.IsZero() {
		return e.Msg.String()
	}
	return e.Text
}

// In is the sentence in the request's language.
func (e *FieldError) In(ctx context.Context) string {
	if !e.Msg.IsZero() {
		return e.Msg.In(ctx)
	}
	return e.Text
}

// ErrUnknown: OY gave no trustworthy answer to a create; the sync settles
// it from OY's list. It is never sent again.
var ErrUnknown = errors.New("va: OY did not answer the create; it is being checked")

// ErrInFlight: the form was already submitted and that request is still
// being sent or checked.
var ErrInFlight = errors.New("va: this form was already submitted")

// fieldFor places an OY code's sentence beside the field it concerns.
func fieldFor(code string) string {
	switch code {
	case "211":
		return "bank_code"
	case "212":
		return "amount"
	case "217":
		return "partner_user_id"
	}
	return "_form"
}

// fromOY converts OY's view of a VA to the stored model.
func fromOY(v *oy.VirtualAccount, source string) models.VirtualAccount {
	out := models.VirtualAccount{OYID: v.ID, VANumber: v.VANumber, BankCode: v.BankCode, PartnerUserID: v.PartnerUserID,
		UsernameDisplay: v.UsernameDisplay, Amount: v.Amount, AmountDetected: v.AmountDetected, IsOpen: v.IsOpen,
		IsSingleUse: v.IsSingleUse, IsLifetime: v.RawExpiration == -1, Status: models.VAStatus(v.Status), Source: source}
	if !v.ExpiresAt.IsZero() {
		t := v.ExpiresAt.UTC()
		out.ExpiresAt = &t
	}
	return out
}

// Create sends one Create VA for the form's key. A repeated key returns
// the VA the first submit made (created false), or ErrInFlight.
func (s *Service) Create(ctx context.Context, key, actor string, p *oy.CreateVAParams, audit *models.AuditEntry) (v *models.VirtualAccount, created bool, err error) {
	params, _ := json.Marshal(p)
	claim, err := s.store.ClaimVACreate(ctx, &models.VACreate{Key: key, PartnerUserID: p.PartnerUserID, BankCode: p.BankCode,
		Params: string(params), ActorEmail: actor})
	if errors.Is(err, store.ErrVACreateTaken) {
		switch {
		case claim.Status == models.VACreateDone && claim.VirtualAccountID != nil:
			v, err := s.store.VirtualAccountByID(ctx, *claim.VirtualAccountID)
			return v, false, err
		case claim.Status == models.VACreateRejected || claim.Status == models.VACreateNotMade:
			// The same form sent twice gets the first answer again.
			return nil, false, &FieldError{Field: "_form", Text: claim.Message}
		}
		return nil, false, ErrInFlight
	}
	if err != nil {
		return nil, false, err
	}
	got, outcome, err := lifecycle.Send(ctx, SendTimeout, func(ctx context.Context) (*oy.VirtualAccount, error) {
		return s.oy.CreateVA(ctx, p)
	})
	switch outcome {
	case provider.Succeeded:
		row := fromOY(got, "dashboard")
		row.Email, row.CreatedByEmail = p.Email, actor
		if row.PartnerUserID == "" {
			row.PartnerUserID = p.PartnerUserID
		}
		if p.IsLifetime {
			row.IsLifetime = true
		}
		audit.Summary = fmt.Sprintf("created VA %s at %s for %s", row.VANumber, oy.BankName(row.BankCode), row.PartnerUserID)
		if err := s.store.FinishVACreate(ctx, claim.ID, &row, audit); err != nil {
			return nil, false, err
		}
		return &row, true, nil
	case provider.Rejected:
		fe := &FieldError{Field: fieldFor(provider.CodeOf(err)), Text: provider.MessageOf(err)}
		if fe.Text == "" {
			fe.Msg = i18n.M("vas.err_create_refused")
		}
		// Stored as written (English for our own sentence): a resubmit shows it.
		if err := s.store.SetVACreateStatus(ctx, claim.ID, models.VACreateRejected, fe.Error(), nil); err != nil {
			return nil, false, err
		}
		return nil, false, fe
	default:
		audit.Action, audit.Summary = "va.create_unknown", fmt.Sprintf("create VA for %s at %s: OY gave no answer; checking OY's list", p.PartnerUserID, p.BankCode)
		if err := s.store.SetVACreateStatus(ctx, claim.ID, models.VACreateUnknown, provider.MessageOf(err), audit); err != nil {
			return nil, false, err
		}
		s.log.Warn("VA create without an answer; it will be settled from OY's list", "key", key, "err", err.Error())
		return nil, false, ErrUnknown
	}
}

// Refresh reads the VA from Get VA Info and merges OY's transaction
// history into its payments. The VA is returned as stored afterwards.
func (s *Service) Refresh(ctx context.Context, v *models.VirtualAccount) (*models.VirtualAccount, error) {
	got, err := s.oy.GetVA(ctx, v.OYID)
	if err != nil {
		return v, err
	}
	row := fromOY(got, v.Source)
	t := s.now().UTC()
	row.CheckedAt = &t
	if _, err := s.store.UpsertVA(ctx, &row); err != nil {
		return v, err
	}
	if err := s.mergeHistory(ctx, row.ID, row.OYID); err != nil {
		return &row, err
	}
	return &row, nil
}

func (s *Service) mergeHistory(ctx context.Context, id int64, oyID string) error {
	var entries []store.HistoryEntry
	for offset := 0; offset < maxSyncPages*SyncPageSize; offset += SyncPageSize {
		h, err := s.oy.VATransactions(ctx, oyID, &oy.ListParams{Offset: offset, Limit: SyncPageSize})
		if err != nil {
			return err
		}
		for _, tx := range h.Transactions {
			at := tx.Created
			if at.IsZero() {
				at = tx.LastUpdated
			}
			entries = append(entries, store.HistoryEntry{TrxID: tx.ID, PaidAt: at, Amount: tx.Amount, AdminFee: tx.AdminFee})
		}
		if len(h.Transactions) < SyncPageSize || offset+SyncPageSize >= h.Count {
			break
		}
	}
	_, err := s.store.MergeVAHistory(ctx, id, entries)
	return err
}

// Update sends Update VA and stores OY's answer with the audit entry.
func (s *Service) Update(ctx context.Context, v *models.VirtualAccount, p *oy.UpdateVAParams, audit *models.AuditEntry) (*models.VirtualAccount, error) {
	if why := v.WhyNoUpdate(s.now()); !why.IsZero() {
		return nil, &FieldError{Field: "_form", Msg: why}
	}
	got, err := s.oy.UpdateVA(ctx, v.OYID, p)
	if err != nil {
		fe := &FieldError{Field: fieldFor(provider.CodeOf(err)), Text: provider.MessageOf(err)}
		switch {
		case provider.IsUnknown(err):
			fe.Msg = i18n.M("vas.err_update_unknown")
		case fe.Text == "":
			fe.Msg = i18n.M("vas.err_update_refused")
		}
		return nil, fe
	}
	row := fromOY(got, v.Source)
	if p.IsLifetime != nil {
		row.IsLifetime = *p.IsLifetime || got.RawExpiration == -1
	}
	if got.AmountDetected == 0 {
		row.AmountDetected = v.AmountDetected // Update's answer has no amount_detected
	}
	t := s.now().UTC()
	row.CheckedAt = &t
	email := ""
	if p.Email != nil {
		email = *p.Email
	}
	return s.store.UpdateVAFromOY(ctx, v.ID, &row, email, audit)
}

// findAtOY walks OY's VA list for the VA with this number.
func (s *Service) findAtOY(ctx context.Context, match func(*oy.VirtualAccount) bool) (*oy.VirtualAccount, error) {
	for page := 0; page < maxSyncPages; page++ {
		l, err := s.oy.ListVAs(ctx, &oy.ListParams{Offset: page * SyncPageSize, Limit: SyncPageSize})
		if err != nil {
			return nil, err
		}
		for i := range l.Data {
			if match(&l.Data[i]) {
				return &l.Data[i], nil
			}
		}
		if len(l.Data) < SyncPageSize || (page+1)*SyncPageSize >= l.Total {
			return nil, nil
		}
	}
	return nil, nil
}

// ProcessCallback applies an OY VA payment callback. OY signs nothing, so
// the VA is read from Get VA Info before the payment is recorded; a VA the
// dashboard has never seen is found in OY's list and imported first.
func (s *Service) ProcessCallback(ctx context.Context, cb *models.Callback) store.ProcessResult {
	parsed, _ := cb.Parsed.(*oy.VACallback)
	if parsed == nil {
		var err error
		if parsed, err = oy.ParseVACallback(cb.Body); err != nil {
			return store.ProcessResult{Outcome: models.CallbackUnmatched, Detail: "The body could not be read: " + err.Error()}
		}
	}
	v, err := s.store.VirtualAccountByNumber(ctx, parsed.VANumber)
	if errors.Is(err, store.ErrNotFound) {
		found, err := s.findAtOY(ctx, func(o *oy.VirtualAccount) bool { return o.VANumber == parsed.VANumber })
		if err != nil {
			return retryLater(fmt.Errorf("could not look the VA up in OY's list: %s", messageOf(err)))
		}
		if found == nil {
			return store.ProcessResult{Outcome: models.CallbackUnmatched,
				Detail: "Neither the dashboard nor OY's VA list has this va_number; the callback is kept and changes nothing."}
		}
		// The list gave its id; the VA is made from Get VA Info.
		info, err := s.oy.GetVA(ctx, found.ID)
		if err != nil {
			return retryLater(fmt.Errorf("could not read the VA from OY's Get VA Info: %s", messageOf(err)))
		}
		row := fromOY(info, "callback")
		t := s.now().UTC()
		row.CheckedAt = &t
		if _, err := s.store.UpsertVA(ctx, &row); err != nil {
			return retryLater(err)
		}
		v = &row
	} else if err != nil {
		return retryLater(err)
	}
	id := strconv.FormatInt(v.ID, 10)
	if !parsed.Success {
		return store.ProcessResult{Outcome: models.CallbackNoChange, RecordType: "virtual_account", RecordID: id,
			Detail: "OY reports this payment did not succeed; nothing was recorded."}
	}
	got, err := s.oy.GetVA(ctx, v.OYID)
	if err != nil {
		r := retryLater(fmt.Errorf("could not confirm with OY's Get VA Info: %s", messageOf(err)))
		r.RecordType, r.RecordID = "virtual_account", id
		return r
	}
	conf := fromOY(got, v.Source)
	t := s.now().UTC()
	conf.CheckedAt = &t
	paidAt := parsed.TxDate
	if paidAt.IsZero() {
		paidAt = cb.ReceivedAt
	}
	key := "cb:" + parsed.VANumber + ":" + parsed.RawTxDate + ":" + strconv.FormatInt(parsed.Amount, 10)
	if parsed.TrxID != "" {
		key = "trx:" + parsed.TrxID
	}
	cbID := cb.ID
	pay := models.VAPayment{OYTrxID: parsed.TrxID, DedupKey: key, PaidAt: paidAt, Amount: parsed.Amount, CallbackID: &cbID, Source: "callback"}
	detail := fmt.Sprintf("Payment of %s on VA %s; Get VA Info confirmed %s, amount detected %s.",
		money.Format(parsed.Amount), parsed.VANumber, conf.Status.Label(), money.Format(conf.AmountDetected))
	return store.ProcessResult{RecordType: "virtual_account", RecordID: id, Detail: detail, Outcome: models.CallbackApplied,
		Change: store.VAPaymentMove{VAID: v.ID, Payment: pay, Confirmed: conf}}
}

func messageOf(err error) string {
	if m := provider.MessageOf(err); m != "" {
		return m
	}
	return err.Error()
}

func retryLater(err error) store.ProcessResult {
	t := time.Now().UTC().Add(time.Minute)
	return store.ProcessResult{Outcome: models.CallbackFailed, Error: err.Error(), NextTryAt: &t}
}

// SyncResult is what one sync pass did.
type SyncResult struct {
	Seen, Imported, Updated, Settled int
	Expired                          int64
}

// Sync reads OY's VA list page by page and upserts every VA (never
// duplicating: keyed by OY's id; never backwards: models Observe), settles
// unanswered creates from what it read, and expires VAs whose time passed.
func (s *Service) Sync(ctx context.Context) (SyncResult, error) {
	var res SyncResult
	run, err := s.store.StartVASync(ctx)
	if err != nil {
		return res, err
	}
	err = s.sync(ctx, &res)
	run.Seen, run.Imported, run.Updated = res.Seen, res.Imported, res.Updated
	if err != nil {
		run.Error = messageOf(err)
	}
	if ferr := s.store.FinishVASync(context.WithoutCancel(ctx), run); ferr != nil && err == nil {
		err = ferr
	}
	return res, err
}

func (s *Service) sync(ctx context.Context, res *SyncResult) error {
	var all []oy.VirtualAccount
	for page := 0; page < maxSyncPages; page++ {
		l, err := s.oy.ListVAs(ctx, &oy.ListParams{Offset: page * SyncPageSize, Limit: SyncPageSize})
		if err != nil {
			return err
		}
		for i := range l.Data {
			row := fromOY(&l.Data[i], "sync")
			before, _ := s.store.VirtualAccountByNumber(ctx, row.VANumber)
			inserted, err := s.store.UpsertVA(ctx, &row)
			if err != nil {
				return err
			}
			res.Seen++
			switch {
			case inserted:
				res.Imported++
			case before != nil && (before.Status != row.Status || before.AmountDetected != row.AmountDetected):
				res.Updated++
			}
		}
		all = append(all, l.Data...)
		if len(l.Data) < SyncPageSize || (page+1)*SyncPageSize >= l.Total {
			break
		}
	}
	if err := s.settleCreates(ctx, all, res); err != nil {
		return err
	}
	n, err := s.store.ExpireVAs(ctx, s.now())
	res.Expired = n
	return err
}

// settleCreates finds each unanswered create in OY's list: OY allows one
// active VA per partner_user_id and bank (code 217), so that VA is it.
func (s *Service) settleCreates(ctx context.Context, all []oy.VirtualAccount, res *SyncResult) error {
	pending, err := s.store.UnknownVACreates(ctx, 100)
	if err != nil {
		return err
	}
	for _, c := range pending {
		var found *oy.VirtualAccount
		for i := range all {
			o := &all[i]
			if o.PartnerUserID == c.PartnerUserID && o.BankCode == c.BankCode && o.Status.Open() {
				found = o
				break
			}
		}
		if found != nil {
			// An active VA the dashboard already held before this request is
			// not its result: OY would have refused the create (217).
			if prev, err := s.store.VirtualAccountByNumber(ctx, found.VANumber); err == nil && prev.CreatedAt.Before(c.CreatedAt.Add(-time.Second)) {
				if err := s.store.SetVACreateStatus(ctx, c.ID, models.VACreateNotMade,
					"This customer already had an active virtual account at this bank, so OY made no new one (217).", nil); err != nil {
					return err
				}
				continue
			}
		}
		if found == nil {
			if lifecycle.NotFoundFailed(c.CreatedAt, s.now(), NotFoundGrace) {
				if err := s.store.SetVACreateStatus(ctx, c.ID, models.VACreateNotMade,
					"OY's list has no such VA; it was never made. Create it again if it is still needed.", nil); err != nil {
					return err
				}
			}
			continue
		}
		row := fromOY(found, "dashboard")
		row.CreatedByEmail = c.ActorEmail
		if err := s.store.FinishVACreate(ctx, c.ID, &row, nil); err != nil {
			return err
		}
		res.Settled++
	}
	return nil
}

// RunSync syncs at start and every interval until ctx ends.
func (s *Service) RunSync(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if r, err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("VA sync", "err", err.Error())
		} else if r.Imported > 0 || r.Settled > 0 || r.Expired > 0 {
			s.log.Info("VA sync", "seen", r.Seen, "imported", r.Imported, "updated", r.Updated, "settled", r.Settled, "expired", r.Expired)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// LastSync is the newest finished sync run, or nil.
func (s *Service) LastSync(ctx context.Context) (*models.VASyncRun, error) {
	return s.store.LastVASync(ctx)
}
