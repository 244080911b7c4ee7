package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// CreateUser inserts a user; ErrDuplicate when the email is taken.
func (s *Store) CreateUser(ctx context.Context, u *models.User) error {
	now := time.Now().UTC()
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = now, now, now
	err := s.db.Write.WithContext(ctx).Create(u).Error
	if isUniqueViolation(err) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// UserByID loads one user.
func (s *Store) UserByID(ctx context.Context, id int64) (*models.User, error) {
	var u models.User
	err := s.db.Read.WithContext(ctx).First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: load user %d: %w", id, err)
	}
	return &u, nil
}

// UserByEmail loads one user by email, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (*models.User, error) {
	var u models.User
	err := s.db.Read.WithContext(ctx).Where(s.d.eqNoCase("email"), email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: load user by email: %w", err)
	}
	return &u, nil
}

// ListUsers returns every user, by name. Staff lists are small.
func (s *Store) ListUsers(ctx context.Context) ([]models.User, error) {
	var us []models.User
	err := s.db.Read.WithContext(ctx).Order("disabled, " + s.d.noCase("name") + ", id").Find(&us).Error
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return us, nil
}

// CountUsers counts staff accounts.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&models.User{}).Count(&n).Error
	return n, err
}

// CountActiveAdmins counts admins who can sign in, so the last one is kept.
func (s *Store) CountActiveAdmins(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&models.User{}).
		Where("role = ? AND "+s.d.is("disabled", false), models.RoleAdmin).Count(&n).Error
	return n, err
}

// UserChange is applied to a user together with its audit entry.
type UserChange struct {
	Role         *models.Role
	Disabled     *bool
	PasswordHash *string
}

// UpdateUser applies the change and writes the audit entry in the same
// transaction. A change that disables the user or replaces the password
// ends all of that user's sessions at once. ErrLastAdmin when disabling
// or demoting the user would leave no active admin, checked inside the
// transaction so that two admins disabling each other cannot both pass.
func (s *Store) UpdateUser(ctx context.Context, id int64, ch UserChange, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if (ch.Disabled != nil && *ch.Disabled) || (ch.Role != nil && *ch.Role != models.RoleAdmin) {
			u, err := userIn(tx, id)
			if err != nil {
				return err
			}
			if u == nil {
				return ErrNotFound
			}
			if err := keepAnAdmin(tx, u); err != nil {
				return err
			}
		}
		now := time.Now().UTC()
		cols := map[string]any{"updated_at": now}
		if ch.Role != nil {
			cols["role"] = *ch.Role
		}
		if ch.Disabled != nil {
			cols["disabled"] = *ch.Disabled
		}
		if ch.PasswordHash != nil {
			cols["password_hash"] = *ch.PasswordHash
			cols["password_changed_at"] = now
		}
		res := tx.Model(&models.User{}).Where("id = ?", id).Updates(cols)
		if res.Error != nil {
			return fmt.Errorf("store: update user %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if (ch.Disabled != nil && *ch.Disabled) || ch.PasswordHash != nil || ch.Role != nil {
			// A role change also ends sessions, so no page keeps old powers.
			if err := tx.Where("user_id = ?", id).Delete(&models.Session{}).Error; err != nil {
				return fmt.Errorf("store: end sessions of user %d: %w", id, err)
			}
		}
		return insertAudit(tx, audit)
	})
}

// CreateUserAudited inserts the user and its audit entry together.
func (s *Store) CreateUserAudited(ctx context.Context, u *models.User, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = now, now, now
		if err := tx.Create(u).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrDuplicate
			}
			return fmt.Errorf("store: create user: %w", err)
		}
		audit.ObjectID = fmt.Sprint(u.ID)
		return insertAudit(tx, audit)
	})
}

// EnableSecondFactor stores the sealed TOTP secret and the hashes of fresh
// recovery codes (replacing any old ones) with the audit entry.
func (s *Store) EnableSecondFactor(ctx context.Context, userID int64, sealedSecret string, codeHashes []string, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		res := tx.Model(&models.User{}).Where("id = ?", userID).
			Updates(map[string]any{"totp_secret": sealedSecret, "totp_enabled_at": now, "updated_at": now})
		if res.Error != nil {
			return fmt.Errorf("store: enable second factor of user %d: %w", userID, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := replaceRecoveryCodes(tx, userID, codeHashes, now); err != nil {
			return err
		}
		if audit == nil {
			return nil // seeding
		}
		return insertAudit(tx, audit)
	})
}

func replaceRecoveryCodes(tx *gorm.DB, userID int64, codeHashes []string, now time.Time) error {
	if err := tx.Where("user_id = ?", userID).Delete(&models.RecoveryCode{}).Error; err != nil {
		return fmt.Errorf("store: drop recovery codes of user %d: %w", userID, err)
	}
	for _, h := range codeHashes {
		if err := tx.Create(&models.RecoveryCode{UserID: userID, CodeHash: h, CreatedAt: now}).Error; err != nil {
			return fmt.Errorf("store: save recovery code: %w", err)
		}
	}
	return nil
}

// ResetSecondFactor removes a user's TOTP secret and recovery codes and
// ends their sessions: their next sign-in enrols again.
func (s *Store) ResetSecondFactor(ctx context.Context, userID int64, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		res := tx.Model(&models.User{}).Where("id = ?", userID).
			Updates(map[string]any{"totp_secret": "", "totp_enabled_at": nil, "updated_at": now})
		if res.Error != nil {
			return fmt.Errorf("store: reset second factor of user %d: %w", userID, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := replaceRecoveryCodes(tx, userID, nil, now); err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", userID).Delete(&models.Session{}).Error; err != nil {
			return fmt.Errorf("store: end sessions of user %d: %w", userID, err)
		}
		return insertAudit(tx, audit)
	})
}

// UseRecoveryCode spends one unused recovery code; false when no unused
// code has that hash.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, codeHash string, at time.Time) (bool, error) {
	res := s.db.Write.WithContext(ctx).Model(&models.RecoveryCode{}).
		Where("user_id = ? AND code_hash = ? AND used_at IS NULL", userID, codeHash).Update("used_at", at.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("store: use recovery code: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CountRecoveryCodes counts a user's unused recovery codes.
func (s *Store) CountRecoveryCodes(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&models.RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error
	return n, err
}

// SetUserLang remembers the language a person chose in the header.
func (s *Store) SetUserLang(ctx context.Context, id int64, lang string) error {
	err := s.db.Write.WithContext(ctx).Model(&models.User{}).Where("id = ?", id).UpdateColumn("lang", lang).Error
	if err != nil {
		return fmt.Errorf("store: set language: %w", err)
	}
	return nil
}
