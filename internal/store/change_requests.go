package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"backoffice/internal/models"
)

// ErrLastAdmin refuses a change that would leave no active admin.
var ErrLastAdmin = errors.New("store: the last active admin")

// RequestChange records a change request, pending, with its audit entry.
// ErrDuplicate when the same change to the same subject is already pending.
func (s *Store) RequestChange(ctx context.Context, r *models.ChangeRequest, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r.Status = models.ChangePending
		r.RequestedAt = time.Now().UTC()
		if err := tx.Create(r).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrDuplicate
			}
			return fmt.Errorf("store: request change: %w", err)
		}
		audit.ObjectType, audit.ObjectID = "change_request", fmt.Sprint(r.ID)
		return insertAudit(tx, audit)
	})
}

// ChangeRequestByID loads one change request.
func (s *Store) ChangeRequestByID(ctx context.Context, id int64) (*models.ChangeRequest, error) {
	var r models.ChangeRequest
	err := s.db.Read.WithContext(ctx).First(&r, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: load change request %d: %w", id, err)
	}
	return &r, nil
}

// PendingChanges lists the pending requests whose subject starts with
// prefix ("user:12", "setting:"), oldest first. Few are ever pending.
func (s *Store) PendingChanges(ctx context.Context, prefix string) ([]models.ChangeRequest, error) {
	lo, hi := prefixRange(prefix)
	var rs []models.ChangeRequest
	err := s.db.Read.WithContext(ctx).Where("status = ? AND subject >= ? AND subject < ?", models.ChangePending, lo, hi).
		Order("id").Limit(200).Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("store: pending changes: %w", err)
	}
	return rs, nil
}

// ChangeFilter narrows the change-request list. Zero values do not filter.
type ChangeFilter struct {
	Status models.ChangeStatus
	Kind   models.ChangeKind
	Cursor
}

func changePageQuery(tx *gorm.DB, f ChangeFilter, limit int) *gorm.DB {
	q := tx.Model(&models.ChangeRequest{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	return f.Cursor.page(q, limit)
}

// ListChangeRequests returns one page of requests, newest first.
func (s *Store) ListChangeRequests(ctx context.Context, f ChangeFilter, limit int) (Page[models.ChangeRequest], error) {
	var rows []models.ChangeRequest
	if err := changePageQuery(s.listDB(ctx), f, limit).Find(&rows).Error; err != nil {
		return Page[models.ChangeRequest]{}, fmt.Errorf("store: list change requests: %w", err)
	}
	return pageAt(rows, limit, f.Cursor, func(r models.ChangeRequest) int64 { return r.ID }), nil
}

// EachChangeRequest streams every matching request, newest first, for export.
func (s *Store) EachChangeRequest(ctx context.Context, f ChangeFilter, fn func(models.ChangeRequest) error) error {
	f.Cursor = Cursor{}
	for {
		page, err := s.ListChangeRequests(ctx, f, 1000)
		if err != nil {
			return err
		}
		for _, r := range page.Items {
			if err := fn(r); err != nil {
				return err
			}
		}
		if page.Next == 0 {
			return nil
		}
		f.Before = page.Next
	}
}

// ApproveChange applies a pending request for approverID, in one write
// transaction with its audit entry: the rules (models.ChangeRequest.
// MayApprove, StillApplies, KeepsAnAdmin) are checked on rows read inside
// it, so two approvals, or an approval racing another change, cannot both
// pass. A rule that says no is a *models.ChangeRefused.
func (s *Store) ApproveChange(ctx context.Context, id, approverID int64, audit *models.AuditEntry) (*models.ChangeRequest, error) {
	var out *models.ChangeRequest
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, by, err := loadDecision(tx, id, approverID)
		if err != nil {
			return err
		}
		requester, err := userIn(tx, r.RequestedByID)
		if err != nil {
			return err
		}
		if err := r.MayApprove(by, requester); err != nil {
			return err
		}
		var target *models.User
		if r.UserID != nil {
			if target, err = userIn(tx, *r.UserID); err != nil {
				return err
			}
		}
		settingNow := r.Before
		if r.Kind.IsSetting() {
			var st models.Setting
			// Settings rows are never deleted: no row means nobody changed the default since the request.
			if err := tx.Where("key = ?", r.SettingKey).Limit(1).Find(&st).Error; err != nil {
				return fmt.Errorf("store: read setting %s: %w", r.SettingKey, err)
			}
			if st.Key != "" {
				settingNow = st.Value
			}
		}
		if err := r.StillApplies(target, settingNow); err != nil {
			return err
		}
		if err := applyChange(tx, r, target); err != nil {
			return err
		}
		now := time.Now().UTC()
		r.Status, r.DecidedByID, r.DecidedByEmail, r.DecidedAt, r.PasswordHash = models.ChangeApproved, &by.ID, by.Email, &now, ""
		if err := tx.Model(&models.ChangeRequest{}).Where("id = ?", r.ID).Updates(map[string]any{
			"status": r.Status, "decided_by_id": by.ID, "decided_by_email": by.Email, "decided_at": now, "password_hash": "", "user_id": r.UserID,
		}).Error; err != nil {
			return fmt.Errorf("store: close change request %d: %w", r.ID, err)
		}
		audit.Action = string(r.Kind)
		audit.ObjectType, audit.ObjectID = "user", ""
		if r.UserID != nil {
			audit.ObjectID = fmt.Sprint(*r.UserID)
		}
		if r.Kind.IsSetting() {
			audit.ObjectType, audit.ObjectID = "setting", r.SettingKey
		}
		audit.Summary = fmt.Sprintf("%s; asked by %s, approved by %s (request #%d)", r.Summary, r.RequestedByEmail, by.Email, r.ID)
		out = r
		return insertAudit(tx, audit)
	})
	return out, err
}

// CloseChange rejects (any other admin) or withdraws (the admin who asked)
// a pending request, with its audit entry; the stored password hash goes.
func (s *Store) CloseChange(ctx context.Context, id, byID int64, status models.ChangeStatus, note string, audit *models.AuditEntry) (*models.ChangeRequest, error) {
	var out *models.ChangeRequest
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, by, err := loadDecision(tx, id, byID)
		if err != nil {
			return err
		}
		switch status {
		case models.ChangeRejected:
			err, audit.Action = r.MayReject(by), "change.reject"
		case models.ChangeWithdrawn:
			err, audit.Action = r.MayWithdraw(by), "change.withdraw"
		default:
			return fmt.Errorf("store: close change request as %q", status)
		}
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		r.Status, r.DecidedByID, r.DecidedByEmail, r.DecidedAt, r.Note, r.PasswordHash = status, &by.ID, by.Email, &now, note, ""
		if err := tx.Model(&models.ChangeRequest{}).Where("id = ?", r.ID).Updates(map[string]any{
			"status": status, "decided_by_id": by.ID, "decided_by_email": by.Email, "decided_at": now, "note": note, "password_hash": "",
		}).Error; err != nil {
			return fmt.Errorf("store: close change request %d: %w", r.ID, err)
		}
		audit.ObjectType, audit.ObjectID = "change_request", fmt.Sprint(r.ID)
		audit.Summary = fmt.Sprintf("%s: %s by %s", r.Summary, strings.ToLower(status.Label()), by.Email)
		if note != "" {
			audit.Summary += " (" + note + ")"
		}
		out = r
		return insertAudit(tx, audit)
	})
	return out, err
}

// loadDecision reads the request and the deciding user inside tx, locking
// the request's row where the database can.
func loadDecision(tx *gorm.DB, id, byID int64) (*models.ChangeRequest, *models.User, error) {
	var r models.ChangeRequest
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&r, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: load change request %d: %w", id, err)
	}
	by, err := userIn(tx, byID)
	if err != nil {
		return nil, nil, err
	}
	return &r, by, nil
}

// userIn loads a user inside tx; nil when there is none.
func userIn(tx *gorm.DB, id int64) (*models.User, error) {
	var u models.User
	err := tx.Limit(1).Find(&u, id).Error
	if err != nil {
		return nil, fmt.Errorf("store: load user %d: %w", id, err)
	}
	if u.ID == 0 {
		return nil, nil
	}
	return &u, nil
}

// applyChange makes the approved change on tx.
func applyChange(tx *gorm.DB, r *models.ChangeRequest, target *models.User) error {
	now := time.Now().UTC()
	switch r.Kind {
	case models.ChangeUserCreate:
		u := &models.User{Name: r.Name, Email: r.Email, Role: r.Role, PasswordHash: r.PasswordHash, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
		if err := tx.Create(u).Error; err != nil {
			if isUniqueViolation(err) {
				return models.Refuse("change_req.refuse_email_taken")
			}
			return fmt.Errorf("store: create user: %w", err)
		}
		r.UserID = &u.ID
		return nil
	case models.ChangeUserRole:
		if r.Role != models.RoleAdmin {
			if err := keepAnAdmin(tx, target); err != nil {
				if errors.Is(err, ErrLastAdmin) {
					return models.Refuse("change_req.refuse_last_admin", "Name", target.Name)
				}
				return err
			}
		}
		return updateUserTx(tx, target.ID, map[string]any{"role": r.Role}, true)
	case models.ChangeUserPassword:
		if err := updateUserTx(tx, target.ID, map[string]any{"password_hash": r.PasswordHash, "password_changed_at": now}, true); err != nil {
			return err
		}
		// A fresh start: the lockout goes with the old password.
		return tx.Where("account = ?", strings.ToLower(target.Email)).Delete(&LoginAttempt{}).Error
	case models.ChangeUserSecondFactor:
		if err := updateUserTx(tx, target.ID, map[string]any{"totp_secret": "", "totp_enabled_at": nil}, true); err != nil {
			return err
		}
		if err := replaceRecoveryCodes(tx, target.ID, nil, now); err != nil {
			return err
		}
		return tx.Where("account = ?", fmt.Sprintf("otp:%d", target.ID)).Delete(&LoginAttempt{}).Error
	case models.ChangeUserEnable:
		return updateUserTx(tx, target.ID, map[string]any{"disabled": false}, false)
	case models.ChangeDualApproval, models.ChangeTopupApproval:
		st := models.Setting{Key: r.SettingKey, Value: r.SettingValue, UpdatedAt: now}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&st).Error
	}
	return fmt.Errorf("store: unknown change kind %q", r.Kind)
}

// keepAnAdmin returns ErrLastAdmin when taking u's admin powers away would
// leave no active admin. It reads inside the write transaction (SQLite's
// write lock is taken at BEGIN; on PostgreSQL the admins' rows are locked),
// so two admins disabling each other at once cannot both pass.
//
// Every active admin's row is locked, u's too, in id order: two such
// changes at once queue on the first admin's row instead of each locking
// the other's target (a deadlock), and the second then reads the admins
// as the first left them.
func keepAnAdmin(tx *gorm.DB, u *models.User) error {
	var admins []int64
	err := tx.Model(&models.User{}).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("role = ? AND disabled = ?", models.RoleAdmin, false).Order("id").Pluck("id", &admins).Error
	if err != nil {
		return fmt.Errorf("store: count active admins: %w", err)
	}
	others := 0
	for _, id := range admins {
		if id != u.ID {
			others++
		}
	}
	if !models.KeepsAnAdmin(u, int64(others)) {
		return ErrLastAdmin
	}
	return nil
}

// updateUserTx sets columns of one user; endSessions signs them out everywhere.
func updateUserTx(tx *gorm.DB, id int64, cols map[string]any, endSessions bool) error {
	cols["updated_at"] = time.Now().UTC()
	res := tx.Model(&models.User{}).Where("id = ?", id).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("store: update user %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	if endSessions {
		if err := tx.Where("user_id = ?", id).Delete(&models.Session{}).Error; err != nil {
			return fmt.Errorf("store: end sessions of user %d: %w", id, err)
		}
	}
	return nil
}
