package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"backoffice/internal/models"
)

// ErrVACreateTaken: the form's key was already used; the existing request
// is returned with it.
var ErrVACreateTaken = errors.New("store: this create form was already submitted")

// ClaimVACreate records a create request under the form's key before
// anything is sent, so a double submit sends once. When the key is taken
// it returns the earlier request and ErrVACreateTaken.
func (s *Store) ClaimVACreate(ctx context.Context, c *models.VACreate) (*models.VACreate, error) {
	t := now()
	c.Status, c.CreatedAt, c.UpdatedAt = models.VACreateSending, t, t
	err := s.db.Write.WithContext(ctx).Create(c).Error
	if isUniqueViolation(err) {
		var prev models.VACreate
		if err := s.db.Write.WithContext(ctx).Where("key = ?", c.Key).First(&prev).Error; err != nil {
			return nil, fmt.Errorf("store: read va create: %w", err)
		}
		return &prev, ErrVACreateTaken
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim va create: %w", err)
	}
	return c, nil
}

// FinishVACreate stores the VA OY made (or links the one the sync already
// imported), marks the request done and writes the audit entry, in one
// transaction.
func (s *Store) FinishVACreate(ctx context.Context, createID int64, va *models.VirtualAccount, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		maker, email := va.CreatedByEmail, va.Email
		if err := upsertVA(tx, va); err != nil {
			return err
		}
		if va.CreatedByEmail == "" && maker != "" {
			// The sync imported it first: it was still made here, by maker.
			va.CreatedByEmail, va.Source = maker, "dashboard"
			if va.Email == "" {
				va.Email = email
			}
			if err := tx.Model(&models.VirtualAccount{}).Where("id = ?", va.ID).
				Updates(map[string]any{"created_by_email": maker, "source": "dashboard", "email": va.Email}).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&models.VACreate{}).Where("id = ?", createID).
			Updates(map[string]any{"status": models.VACreateDone, "virtual_account_id": va.ID, "message": "", "updated_at": now()}).Error; err != nil {
			return err
		}
		if audit == nil {
			return nil
		}
		audit.ObjectID = strconv.FormatInt(va.ID, 10)
		return insertAudit(tx, audit)
	})
}

// SetVACreateStatus records a request that was refused or has no answer.
func (s *Store) SetVACreateStatus(ctx context.Context, createID int64, st models.VACreateStatus, msg string, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&models.VACreate{}).Where("id = ?", createID).
			Updates(map[string]any{"status": st, "message": msg, "updated_at": now()}).Error; err != nil {
			return err
		}
		if audit == nil {
			return nil
		}
		return insertAudit(tx, audit)
	})
}

// UnknownVACreates are the requests OY never answered, oldest first.
func (s *Store) UnknownVACreates(ctx context.Context, limit int) ([]models.VACreate, error) {
	var out []models.VACreate
	err := s.db.Read.WithContext(ctx).Where("status = ?", models.VACreateUnknown).Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// VACreateByKey reads a create request by its form key.
func (s *Store) VACreateByKey(ctx context.Context, key string) (*models.VACreate, error) {
	return first[models.VACreate](s.db.Read.WithContext(ctx).Where("key = ?", key))
}

// upsertVA inserts a VA by OY's id, or merges what OY reports into the
// stored one (models.VirtualAccount.Observe: never backwards). va.ID is
// set to the stored row's id.
func upsertVA(tx *gorm.DB, va *models.VirtualAccount) error {
	_, err := upsertVAChanged(tx, va)
	return err
}

func upsertVAChanged(tx *gorm.DB, va *models.VirtualAccount) (inserted bool, err error) {
	var cur models.VirtualAccount
	err = forUpdate(tx).Where("oy_id = ?", va.OYID).First(&cur).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		t := now()
		if va.CreatedAt.IsZero() {
			va.CreatedAt = t
		}
		va.UpdatedAt = t
		va.ID = 0
		if err := tx.Create(va).Error; err != nil {
			return false, fmt.Errorf("store: insert virtual account: %w", err)
		}
		return true, nil
	}
	if err != nil {
		return false, err
	}
	checked := va.CheckedAt
	if cur.Observe(va) || (checked != nil && (cur.CheckedAt == nil || checked.After(*cur.CheckedAt))) {
		if checked != nil {
			cur.CheckedAt = checked
		}
		cur.UpdatedAt = now()
		if err := tx.Save(&cur).Error; err != nil {
			return false, fmt.Errorf("store: update virtual account: %w", err)
		}
	}
	*va = cur
	return false, nil
}

// UpsertVA stores a VA read from OY: new ones are inserted, known ones
// merged without ever moving backwards. It reports whether it was new.
func (s *Store) UpsertVA(ctx context.Context, va *models.VirtualAccount) (inserted bool, err error) {
	err = s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inserted, err = upsertVAChanged(tx, va)
		return err
	})
	return inserted, err
}

// VirtualAccountByID reads one VA.
func (s *Store) VirtualAccountByID(ctx context.Context, id int64) (*models.VirtualAccount, error) {
	return first[models.VirtualAccount](s.db.Read.WithContext(ctx), id)
}

// VirtualAccountByNumber reads the newest VA with this number.
func (s *Store) VirtualAccountByNumber(ctx context.Context, number string) (*models.VirtualAccount, error) {
	return first[models.VirtualAccount](s.db.Read.WithContext(ctx).Where("va_number = ?", number).Order("id DESC"))
}

// UpdateVAFromOY stores OY's answer to an update and the audit entry.
func (s *Store) UpdateVAFromOY(ctx context.Context, id int64, oyVA *models.VirtualAccount, email string, audit *models.AuditEntry) (*models.VirtualAccount, error) {
	var out models.VirtualAccount
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := forUpdate(tx).First(&out, id).Error; err != nil {
			return err
		}
		out.Observe(oyVA)
		if email != "" {
			out.Email = email
		}
		out.CheckedAt, out.UpdatedAt = oyVA.CheckedAt, now()
		if err := tx.Save(&out).Error; err != nil {
			return err
		}
		return insertAudit(tx, audit)
	})
	return &out, err
}

// ExpireVAs marks open VAs whose time has passed as expired (OY sends no
// callback for that), so filters by status see them. It returns how many.
func (s *Store) ExpireVAs(ctx context.Context, at time.Time) (int64, error) {
	res := s.db.Write.WithContext(ctx).Model(&models.VirtualAccount{}).
		Where("status IN ? AND is_lifetime = ? AND expires_at IS NOT NULL AND expires_at <= ?",
			[]models.VAStatus{models.VAWaitingPayment, models.VAPaymentDetected}, false, at.UTC()).
		Updates(map[string]any{"status": models.VAExpired, "updated_at": now()})
	return res.RowsAffected, res.Error
}

// VAPayments lists a VA's payments, newest first.
func (s *Store) VAPayments(ctx context.Context, vaID int64) ([]models.VAPayment, error) {
	var out []models.VAPayment
	err := s.db.Read.WithContext(ctx).Where("virtual_account_id = ?", vaID).Order("paid_at DESC, id DESC").Find(&out).Error
	return out, err
}

// HistoryEntry is one line of OY's VA transaction history.
type HistoryEntry struct {
	TrxID    string
	PaidAt   time.Time
	Amount   int64
	AdminFee int64
}

// MergeVAHistory adds the history's payments to the VA: an entry already
// known by its id, or matching a callback's payment (models.MatchHistory),
// completes that payment; the rest are new. It returns how many were added.
func (s *Store) MergeVAHistory(ctx context.Context, vaID int64, entries []HistoryEntry) (added int, err error) {
	err = s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var stored []models.VAPayment
		if err := tx.Where("virtual_account_id = ?", vaID).Find(&stored).Error; err != nil {
			return err
		}
		for _, e := range entries {
			fee := e.AdminFee
			if i := models.MatchHistory(stored, e.TrxID, e.Amount, e.PaidAt); i >= 0 {
				p := &stored[i]
				if p.OYTrxID == e.TrxID && p.AdminFee != nil && *p.AdminFee == fee {
					continue
				}
				p.OYTrxID, p.AdminFee = e.TrxID, &fee
				if err := tx.Model(&models.VAPayment{}).Where("id = ?", p.ID).
					Updates(map[string]any{"oy_trx_id": e.TrxID, "admin_fee": fee}).Error; err != nil {
					return err
				}
				continue
			}
			p := models.VAPayment{VirtualAccountID: vaID, OYTrxID: e.TrxID, DedupKey: "trx:" + e.TrxID, PaidAt: e.PaidAt.UTC(),
				Amount: e.Amount, AdminFee: &fee, Source: "history", CreatedAt: now()}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&p)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected > 0 {
				added++
				stored = append(stored, p)
			}
		}
		return nil
	})
	return added, err
}

// VAPaymentMove is the record change of a confirmed VA payment callback:
// the payment is recorded once (its dedup key is unique) and the VA takes
// OY's confirmed state, never moving backwards.
type VAPaymentMove struct {
	VAID      int64
	Payment   models.VAPayment
	Confirmed models.VirtualAccount // from Get VA Info
}

func (m VAPaymentMove) applyIn(tx *gorm.DB) (bool, error) {
	var cur models.VirtualAccount
	if err := forUpdate(tx).First(&cur, m.VAID).Error; err != nil {
		return false, err
	}
	p := m.Payment
	p.VirtualAccountID, p.CreatedAt, p.PaidAt = m.VAID, now(), p.PaidAt.UTC()
	// The history may have recorded this payment first: complete that row
	// with the callback instead of adding a second one.
	var stored []models.VAPayment
	if err := tx.Where("virtual_account_id = ? AND callback_id IS NULL", m.VAID).Find(&stored).Error; err != nil {
		return false, err
	}
	// A replay of a callback already recorded (here or merged into a
	// history line) records nothing.
	var seen int64
	if err := tx.Model(&models.VAPayment{}).Where("dedup_key = ? OR (callback_id IS NOT NULL AND callback_id = ?)", p.DedupKey, p.CallbackID).
		Count(&seen).Error; err != nil {
		return false, err
	}
	inserted := false
	if seen == 0 {
		if i := matchCallback(stored, p); i >= 0 {
			if err := tx.Model(&models.VAPayment{}).Where("id = ?", stored[i].ID).Update("callback_id", p.CallbackID).Error; err != nil {
				return false, err
			}
			inserted = true
		} else {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&p)
			if res.Error != nil {
				return false, res.Error
			}
			inserted = res.RowsAffected > 0
		}
	}
	conf := m.Confirmed
	moved := cur.Observe(&conf)
	if inserted && !moved && cur.Status == models.VAWaitingPayment {
		cur.Status, moved = models.VAPaymentDetected, true
	}
	if moved || conf.CheckedAt != nil {
		cur.CheckedAt, cur.UpdatedAt = conf.CheckedAt, now()
		if err := tx.Save(&cur).Error; err != nil {
			return false, err
		}
	}
	return inserted || moved, nil
}

// matchCallback finds a history payment (no callback yet) that this
// callback's payment is: same amount, time within the window.
func matchCallback(stored []models.VAPayment, p models.VAPayment) int {
	for i, s := range stored {
		if s.Source == "history" && s.Amount == p.Amount && s.PaidAt.Sub(p.PaidAt).Abs() <= models.PaymentMatchWindow {
			return i
		}
	}
	return -1
}

// VAReceivedBetween sums the VA payments received in [from, to).
func (s *Store) VAReceivedBetween(ctx context.Context, from, to time.Time) (count, sum int64, err error) {
	var t struct{ N, Total int64 }
	err = s.db.Read.WithContext(ctx).Model(&models.VAPayment{}).Select("count(*) AS n, coalesce(sum(amount), 0) AS total").
		Where("paid_at >= ? AND paid_at < ?", from.UTC(), to.UTC()).Scan(&t).Error
	return t.N, t.Total, err
}

// StartVASync records the start of a sync run.
func (s *Store) StartVASync(ctx context.Context) (*models.VASyncRun, error) {
	r := &models.VASyncRun{StartedAt: now()}
	return r, s.db.Write.WithContext(ctx).Create(r).Error
}

// FinishVASync records the end of a sync run.
func (s *Store) FinishVASync(ctx context.Context, r *models.VASyncRun) error {
	t := now()
	r.FinishedAt = &t
	return s.db.Write.WithContext(ctx).Save(r).Error
}

// LastVASync is the newest finished sync run, or nil.
func (s *Store) LastVASync(ctx context.Context) (*models.VASyncRun, error) {
	var r models.VASyncRun
	err := s.db.Read.WithContext(ctx).Where("finished_at IS NOT NULL").Order("id DESC").First(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &r, err
}
