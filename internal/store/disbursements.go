package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// ErrConflict is returned when a record changed under a decision, for
// example a disbursement approved by someone else a moment earlier.
var ErrConflict = models.ErrDecisionConflict

// CreateDraft stores an inquired recipient waiting for confirmation.
func (s *Store) CreateDraft(ctx context.Context, d *models.DisbursementDraft) error {
	d.CreatedAt = now()
	return s.db.Write.WithContext(ctx).Create(d).Error
}

// DraftLifetime is how long an inquired recipient may wait for the
// maker's confirmation: after it the account is checked again.
const DraftLifetime = 15 * time.Minute

// DraftByKey loads a draft of this user.
func (s *Store) DraftByKey(ctx context.Context, key string, userID int64) (*models.DisbursementDraft, error) {
	return first[models.DisbursementDraft](s.db.Read.WithContext(ctx).Where("key = ? AND user_id = ?", key, userID))
}

// ConfirmDraft turns a draft into a disbursement waiting for approval.
// Confirming the same draft again (a double click, a refresh, a resubmit)
// returns the disbursement made the first time: created is false then.
func (s *Store) ConfirmDraft(ctx context.Context, draft *models.DisbursementDraft, maker *models.User, approvalsNeeded int, audit *models.AuditEntry) (d *models.Disbursement, created bool, err error) {
	err = s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing models.Disbursement
		// Two confirmations of one draft at once (a double click) take
		// turns, so the second finds what the first made.
		if err := s.d.lockKey(tx, "draft "+draft.Key); err != nil {
			return err
		}
		if err := tx.Where("draft_key = ?", draft.Key).First(&existing).Error; err == nil {
			d = &existing
			return nil
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		at := now()
		key := draft.Key
		d = &models.Disbursement{
			PartnerTrxID: draft.PartnerTrxID, DraftKey: &key, RecipientBank: draft.RecipientBank, RecipientAccount: draft.RecipientAccount,
			RecipientName: draft.RecipientName, Amount: draft.Amount, Note: draft.Note, Emails: draft.Emails,
			Status: models.DisbWaitingApproval, MakerID: maker.ID, MakerEmail: maker.Email, ApprovalsNeeded: approvalsNeeded,
			CreatedAt: at, UpdatedAt: at,
		}
		if err := tx.Create(d).Error; err != nil {
			return fmt.Errorf("store: create disbursement: %w", err)
		}
		created = true
		if err := tx.Create(&models.DisbursementEvent{DisbursementID: d.ID, At: at, Source: "maker", ToStatus: d.Status,
			Message: "created after account inquiry; recipient name confirmed by the maker", ActorEmail: maker.Email}).Error; err != nil {
			return err
		}
		audit.ObjectID = fmt.Sprint(d.ID)
		return insertAudit(tx, audit)
	})
	return d, created, err
}

// DisbursementByID loads one disbursement.
func (s *Store) DisbursementByID(ctx context.Context, id int64) (*models.Disbursement, error) {
	return first[models.Disbursement](s.db.Read.WithContext(ctx), id)
}

// DisbursementDetail is everything the detail page shows.
type DisbursementDetail struct {
	Approvals []models.DisbursementApproval
	Events    []models.DisbursementEvent
}

// DisbursementHistory loads approvals and the timeline, oldest first.
func (s *Store) DisbursementHistory(ctx context.Context, id int64) (DisbursementDetail, error) {
	var out DisbursementDetail
	r := s.db.Read.WithContext(ctx)
	if err := r.Where("disbursement_id = ?", id).Order("id").Find(&out.Approvals).Error; err != nil {
		return out, err
	}
	err := r.Where("disbursement_id = ?", id).Order("id").Find(&out.Events).Error
	return out, err
}

// Decision is one approver's approve or reject.
type Decision struct {
	User    *models.User
	Approve bool
	Reason  string
}

// DecideResult says what a decision did.
type DecideResult struct {
	Disbursement *models.Disbursement
	// Claimed: this decision completed the approvals and moved the
	// disbursement to sending; the caller, and only it, sends the remit.
	Claimed bool
}

// Decide records an approval or rejection. The rules (not the maker, how
// many approvals, when it goes to sending) are models.Disbursement.Decide;
// here they run in one transaction that holds the transfer (SQLite's
// immediate transaction, PostgreSQL's row lock), so two approvers racing
// cannot both send, and the second approval of a two-approval transfer
// sees the first.
func (s *Store) Decide(ctx context.Context, id int64, dec Decision, audit *models.AuditEntry) (DecideResult, error) {
	var res DecideResult
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var d models.Disbursement
		if err := forUpdate(tx).First(&d, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		res.Disbursement = &d
		if err := models.MayDecide(d.Status == models.DisbWaitingApproval, d.MakerID, dec.User); err != nil {
			return err
		}
		if dec.Approve && d.BatchID != nil {
			return ErrPartOfBatch
		}
		// The threshold in force now, inside the transaction that may
		// complete the approvals, decides how many are needed.
		dualAbove, err := dualApprovalAbove(tx)
		if err != nil {
			return err
		}
		if need := models.ApprovalsNeeded(d.Amount, dualAbove); need != d.ApprovalsNeeded {
			if err := tx.Model(&models.Disbursement{}).Where("id = ?", id).Update("approvals_needed", need).Error; err != nil {
				return err
			}
			d.ApprovalsNeeded = need
		}
		at := now()
		decision := "reject"
		if dec.Approve {
			decision = "approve"
		}
		err = tx.Create(&models.DisbursementApproval{DisbursementID: id, UserID: dec.User.ID, UserEmail: dec.User.Email, Decision: decision, Reason: dec.Reason, At: at}).Error
		if isUniqueViolation(err) {
			return ErrAlreadyDecided
		}
		if err != nil {
			return err
		}
		var approvals int64
		if err := tx.Model(&models.DisbursementApproval{}).Where("disbursement_id = ? AND decision = ?", id, "approve").Count(&approvals).Error; err != nil {
			return err
		}
		eff, err := d.Decide(dec.User, dec.Approve, dec.Reason, int(approvals))
		if err != nil {
			return err
		}
		if eff.To != d.Status {
			cols := map[string]any{"status": eff.To, "updated_at": at}
			if eff.To.Final() {
				cols["final_at"] = at
			}
			if eff.Send {
				cols["sent_at"] = at
				// Should the process die before OY answers, the poller
				// will find it and ask OY — it never sends it again.
				cols["next_poll_at"] = at.Add(2 * time.Minute)
			}
			r := tx.Model(&models.Disbursement{}).Where("id = ? AND status = ?", id, models.DisbWaitingApproval).Updates(cols)
			if r.Error != nil {
				return r.Error
			}
			if r.RowsAffected != 1 {
				return ErrConflict
			}
			res.Claimed = eff.Send
		}
		if err := tx.Create(&models.DisbursementEvent{DisbursementID: id, At: at, Source: "approver", FromStatus: d.Status, ToStatus: eff.To,
			Message: eff.Message, ActorEmail: dec.User.Email}).Error; err != nil {
			return err
		}
		d.Status = eff.To
		audit.Summary = eff.Message + "; " + audit.Summary
		return insertAudit(tx, audit)
	})
	return res, err
}

// Decision errors in the approver's words.
var (
	ErrMakerCannotApprove = models.ErrMakerCannotApprove
	ErrAlreadyDecided     = models.ErrAlreadyDecided
	ErrNotTheMaker        = models.ErrNotTheMaker
	// ErrPartOfBatch: a row of a batch is approved with its batch, which
	// counts the batch's total against the threshold.
	ErrPartOfBatch = errors.New("this transfer is approved with its batch")
)

// dualApprovalAbove reads the two-approval threshold inside tx.
func dualApprovalAbove(tx *gorm.DB) (int64, error) {
	var st models.Setting
	err := tx.First(&st, "key = ?", models.SettingDualApprovalAbove).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.DefaultDualApprovalAbove, nil
	}
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(st.Value, 10, 64)
	if err != nil || v < 0 {
		return models.DefaultDualApprovalAbove, nil
	}
	return v, nil
}

// WithdrawDisbursement lets a maker take back their own transfer while it
// still waits for approval; nothing was sent, and nothing will be.
func (s *Store) WithdrawDisbursement(ctx context.Context, id int64, maker *models.User, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var d models.Disbursement
		if err := forUpdate(tx).First(&d, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if err := models.MayWithdraw(d.Status == models.DisbWaitingApproval, d.MakerID, maker); err != nil {
			return err
		}
		if d.BatchID != nil {
			return ErrPartOfBatch
		}
		return withdrawIn(tx, &d, maker, "withdrawn by its maker before approval; nothing was sent", audit)
	})
}

func withdrawIn(tx *gorm.DB, d *models.Disbursement, maker *models.User, msg string, audit *models.AuditEntry) error {
	at := now()
	r := tx.Model(&models.Disbursement{}).Where("id = ? AND status = ?", d.ID, models.DisbWaitingApproval).
		Updates(map[string]any{"status": models.DisbWithdrawn, "final_at": at, "updated_at": at})
	if r.Error != nil {
		return r.Error
	}
	if r.RowsAffected != 1 {
		return ErrConflict
	}
	if err := tx.Create(&models.DisbursementEvent{DisbursementID: d.ID, At: at, Source: "maker", FromStatus: d.Status, ToStatus: models.DisbWithdrawn,
		Message: msg, ActorEmail: maker.Email}).Error; err != nil {
		return err
	}
	if audit == nil {
		return nil
	}
	return insertAudit(tx, audit)
}

// DisbursementDay is the overview's disbursement figures: what succeeded
// and failed by the time it did, and what is open now.
type DisbursementDay struct {
	Succeeded, Failed, InFlight, Waiting Totals
}

// DisbursementDayFigures counts transfers that reached success or failure
// in [from, to) by their final time, and those in flight or waiting now.
func (s *Store) DisbursementDayFigures(ctx context.Context, from, to time.Time) (DisbursementDay, error) {
	var out DisbursementDay
	r := s.db.Read.WithContext(ctx)
	sum := "count(*) AS count, coalesce(sum(amount), 0) AS sum"
	final := func(t *Totals, st ...models.DisbursementStatus) error {
		return r.Model(&models.Disbursement{}).Select(sum).
			Where("status IN ? AND final_at >= ? AND final_at < ?", st, from.UTC(), to.UTC()).Scan(t).Error
	}
	if err := final(&out.Succeeded, models.DisbSuccess); err != nil {
		return out, fmt.Errorf("store: day figures: %w", err)
	}
	if err := final(&out.Failed, models.DisbFailed); err != nil {
		return out, fmt.Errorf("store: day figures: %w", err)
	}
	// What is open now, from the day counters (migration 11) summed over
	// every day: exact, and a few hundred counter rows instead of every
	// open transfer (20,000 waiting ones took 120 ms on PostgreSQL).
	open := func(t *Totals, st ...models.DisbursementStatus) error {
		return r.Table("disbursement_day_counts").Select("coalesce(sum(n), 0) AS count, coalesce(sum(total), 0) AS sum").
			Where("status IN ?", st).Scan(t).Error
	}
	if err := open(&out.InFlight, models.DisbursementsInFlight...); err != nil {
		return out, fmt.Errorf("store: day figures: %w", err)
	}
	if err := open(&out.Waiting, models.DisbWaitingApproval); err != nil {
		return out, fmt.Errorf("store: day figures: %w", err)
	}
	return out, nil
}

// StatusChange is one observed provider state to apply to a disbursement.
type StatusChange = models.Observation

// applyStatus moves a disbursement through its state machine
// (models.Disbursement.Observe) inside tx and reports whether the status moved.
func applyStatus(tx *gorm.DB, id int64, o models.Observation) (bool, error) {
	var d models.Disbursement
	// SQLite's writer runs one immediate transaction at a time and
	// PostgreSQL locks the row, so this read cannot go stale before the
	// update below.
	if err := forUpdate(tx).First(&d, id).Error; err != nil {
		return false, err
	}
	next, ev, moved := d.Observe(o, now())
	cols := map[string]any{"updated_at": next.UpdatedAt, "polls": next.Polls, "status": next.Status, "final_at": next.FinalAt,
		"next_poll_at": next.NextPollAt, "oy_code": next.OYCode, "oy_message": next.OYMessage, "trx_id": next.TrxID}
	if err := tx.Model(&models.Disbursement{}).Where("id = ?", id).Updates(cols).Error; err != nil {
		return false, err
	}
	if ev != nil {
		if err := tx.Create(ev).Error; err != nil {
			return false, err
		}
	}
	return moved, nil
}

// ApplyDisbursementStatus applies one observed state in its own transaction.
func (s *Store) ApplyDisbursementStatus(ctx context.Context, id int64, ch StatusChange) (bool, error) {
	var moved bool
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		moved, err = applyStatus(tx, id, ch)
		return err
	})
	return moved, err
}

// DisbursementMove is the record change of a processed disbursement
// callback: the store applies it in the transaction that marks the
// callback processed.
type DisbursementMove struct {
	ID     int64
	Change StatusChange
}

func (m DisbursementMove) applyIn(tx *gorm.DB) (bool, error) { return applyStatus(tx, m.ID, m.Change) }

// AddDisbursementEvent adds a line to the timeline without a status change.
func (s *Store) AddDisbursementEvent(ctx context.Context, e *models.DisbursementEvent, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e.At = now()
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		if audit == nil {
			return nil
		}
		return insertAudit(tx, audit)
	})
}

// DuePolls returns non-final disbursements whose next status check is due.
func (s *Store) DuePolls(ctx context.Context, limit int) ([]models.Disbursement, error) {
	var out []models.Disbursement
	err := s.db.Read.WithContext(ctx).Where("next_poll_at IS NOT NULL AND next_poll_at <= ?", now()).
		Order("next_poll_at").Limit(limit).Find(&out).Error
	return out, err
}

// AddBalanceReading stores one reading of the OY balance.
func (s *Store) AddBalanceReading(ctx context.Context, r *models.BalanceReading) error {
	return s.db.Write.WithContext(ctx).Create(r).Error
}

// BalanceReadings returns the newest readings, newest first.
func (s *Store) BalanceReadings(ctx context.Context, limit int) ([]models.BalanceReading, error) {
	var out []models.BalanceReading
	err := s.db.Read.WithContext(ctx).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// DisbursementRef is what the callback worker needs to find a transfer.
type DisbursementRef struct {
	ID     int64
	Status models.DisbursementStatus
	Polls  int
}

// FindDisbursementRef looks a transfer up by our OY reference with one
// prepared statement: the callback worker asks this for every OY
// disbursement callback, thousands of times a second under load.
func (s *Store) FindDisbursementRef(ctx context.Context, partnerTrxID string) (*DisbursementRef, error) {
	s.refOnce.Do(func() {
		s.refStmt, s.refErr = s.db.ReadSQL().PrepareContext(context.Background(), s.d.sql("SELECT id, status, polls FROM disbursements WHERE partner_trx_id = ?"))
	})
	if s.refErr != nil {
		return nil, s.refErr
	}
	var r DisbursementRef
	err := s.refStmt.QueryRowContext(quick(ctx), partnerTrxID).Scan(&r.ID, &r.Status, &r.Polls)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: find disbursement: %w", err)
	}
	return &r, nil
}
