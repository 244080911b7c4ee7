package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// ErrConflict is returned when a record changed under a decision, for
// example a disbursement approved by someone else a moment earlier.
var ErrConflict = errors.New("store: changed by someone else")

// CreateDraft stores an inquired recipient waiting for confirmation.
func (s *Store) CreateDraft(ctx context.Context, d *models.DisbursementDraft) error {
	d.CreatedAt = now()
	return s.db.Write.WithContext(ctx).Create(d).Error
}

// DraftByKey loads a draft of this user.
func (s *Store) DraftByKey(ctx context.Context, key string, userID int64) (*models.DisbursementDraft, error) {
	var d models.DisbursementDraft
	err := s.db.Read.WithContext(ctx).Where("key = ? AND user_id = ?", key, userID).First(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &d, err
}

// ConfirmDraft turns a draft into a disbursement waiting for approval.
// Confirming the same draft again (a double click, a refresh, a resubmit)
// returns the disbursement made the first time: created is false then.
func (s *Store) ConfirmDraft(ctx context.Context, draft *models.DisbursementDraft, maker *models.User, approvalsNeeded int, audit *models.AuditEntry) (d *models.Disbursement, created bool, err error) {
	err = s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing models.Disbursement
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
	var d models.Disbursement
	err := s.db.Read.WithContext(ctx).First(&d, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &d, err
}

// DisbursementByPartnerTrxID loads the disbursement with our OY reference.
func (s *Store) DisbursementByPartnerTrxID(ctx context.Context, ref string) (*models.Disbursement, error) {
	var d models.Disbursement
	err := s.db.Read.WithContext(ctx).Where("partner_trx_id = ?", ref).First(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &d, err
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

// Decide records an approval or rejection. The check that the approver is
// not the maker, the approval count and the move to sending happen in one
// immediate transaction, so two approvers racing cannot both send.
func (s *Store) Decide(ctx context.Context, id int64, dec Decision, audit *models.AuditEntry) (DecideResult, error) {
	var res DecideResult
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var d models.Disbursement
		if err := tx.First(&d, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		res.Disbursement = &d
		if d.Status != models.DisbWaitingApproval {
			return ErrConflict
		}
		if d.MakerID == dec.User.ID {
			return ErrMakerCannotApprove
		}
		at := now()
		decision := "reject"
		if dec.Approve {
			decision = "approve"
		}
		err := tx.Create(&models.DisbursementApproval{DisbursementID: id, UserID: dec.User.ID, UserEmail: dec.User.Email, Decision: decision, Reason: dec.Reason, At: at}).Error
		if isUniqueViolation(err) {
			return ErrAlreadyDecided
		}
		if err != nil {
			return err
		}
		next := d.Status
		msg := ""
		if !dec.Approve {
			next, msg = models.DisbRejected, "rejected by "+dec.User.Email
			if dec.Reason != "" {
				msg += ": " + dec.Reason
			}
		} else {
			var n int64
			if err := tx.Model(&models.DisbursementApproval{}).Where("disbursement_id = ? AND decision = 'approve'", id).Count(&n).Error; err != nil {
				return err
			}
			msg = fmt.Sprintf("approved by %s (%d of %d)", dec.User.Email, n, d.ApprovalsNeeded)
			if n >= int64(d.ApprovalsNeeded) {
				next = models.DisbSending
			}
		}
		if next != d.Status {
			cols := map[string]any{"status": next, "updated_at": at}
			if next == models.DisbRejected {
				cols["final_at"] = at
			}
			if next == models.DisbSending {
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
			res.Claimed = next == models.DisbSending
		}
		if err := tx.Create(&models.DisbursementEvent{DisbursementID: id, At: at, Source: "approver", FromStatus: d.Status, ToStatus: next,
			Message: msg, ActorEmail: dec.User.Email}).Error; err != nil {
			return err
		}
		d.Status = next
		audit.Summary = msg + "; " + audit.Summary
		return insertAudit(tx, audit)
	})
	return res, err
}

// Decision errors in the approver's words.
var (
	ErrMakerCannotApprove = errors.New("the person who made a disbursement cannot approve or reject it")
	ErrAlreadyDecided     = errors.New("you have already decided on this disbursement")
)

// StatusChange is one observed OY state to apply to a disbursement.
type StatusChange struct {
	To         models.DisbursementStatus
	OYCode     string
	OYMessage  string
	TrxID      string
	Source     string // api, poll, callback, system
	Message    string
	CallbackID *int64
	ActorEmail string
	NextPollAt *time.Time // for non-final states; nil stops polling
	CountPoll  bool
}

// ApplyStatus moves a disbursement through the state machine inside tx:
// a change that would go backwards (a late "in progress" after "success")
// is recorded on the timeline but changes nothing. It reports whether the
// status moved.
func ApplyStatus(tx *gorm.DB, id int64, ch StatusChange) (bool, error) {
	var d models.Disbursement
	// The writer runs one immediate transaction at a time, so this read
	// cannot go stale before the update below.
	if err := tx.First(&d, id).Error; err != nil {
		return false, err
	}
	at := now()
	moved := d.Status.CanMoveTo(ch.To)
	cols := map[string]any{"updated_at": at}
	if ch.CountPoll {
		cols["polls"] = gorm.Expr("polls + 1")
	}
	if moved {
		cols["status"] = ch.To
		if ch.To.Final() {
			cols["final_at"] = at
			cols["next_poll_at"] = nil
		}
	}
	if !d.Status.Final() && !(moved && ch.To.Final()) {
		cols["next_poll_at"] = ch.NextPollAt
	}
	if ch.OYCode != "" && (moved || d.Status == ch.To) {
		cols["oy_code"], cols["oy_message"] = ch.OYCode, ch.OYMessage
	}
	if ch.TrxID != "" && d.TrxID == "" {
		cols["trx_id"] = ch.TrxID
	}
	if err := tx.Model(&models.Disbursement{}).Where("id = ?", id).Updates(cols).Error; err != nil {
		return false, err
	}
	msg := ch.Message
	to := ch.To
	if !moved && d.Status != ch.To {
		msg = strings.TrimSpace(msg + " (kept " + d.Status.Label() + ": a transfer never moves back)")
		to = d.Status
	}
	if moved || ch.Source != "poll" || d.Status != ch.To {
		if err := tx.Create(&models.DisbursementEvent{DisbursementID: id, At: at, Source: ch.Source, FromStatus: d.Status, ToStatus: to,
			OYCode: ch.OYCode, Message: msg, CallbackID: ch.CallbackID, ActorEmail: ch.ActorEmail}).Error; err != nil {
			return false, err
		}
	}
	return moved, nil
}

// ApplyDisbursementStatus runs ApplyStatus in its own transaction.
func (s *Store) ApplyDisbursementStatus(ctx context.Context, id int64, ch StatusChange) (bool, error) {
	var moved bool
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		moved, err = ApplyStatus(tx, id, ch)
		return err
	})
	return moved, err
}

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

// CountDisbursementsByStatus feeds the overview.
func (s *Store) CountDisbursementsByStatus(ctx context.Context, st models.DisbursementStatus) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&models.Disbursement{}).Where("status = ?", st).Count(&n).Error
	return n, err
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
		s.refStmt, s.refErr = s.db.ReadSQL().PrepareContext(context.Background(), "SELECT id, status, polls FROM disbursements WHERE partner_trx_id = ?")
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
