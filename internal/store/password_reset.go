package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// ResetPassword replaces the password of the user with this email (any
// case), clears the user's sign-in failures (password and one-time code
// attempts, from every address), ends all the user's sessions and writes
// the audit entry, in one transaction. It is the server-side way back in
// for a lost password; the caller has applied the password rules.
// ErrNotFound when no user has the email.
func (s *Store) ResetPassword(ctx context.Context, email, passwordHash string, audit *models.AuditEntry) (*models.User, error) {
	var u models.User
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where(s.d.eqNoCase("email"), strings.TrimSpace(email)).First(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		if err := tx.Model(&models.User{}).Where("id = ?", u.ID).
			Updates(map[string]any{"password_hash": passwordHash, "password_changed_at": now, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("store: reset password of user %d: %w", u.ID, err)
		}
		if err := tx.Where("user_id = ?", u.ID).Delete(&models.Session{}).Error; err != nil {
			return fmt.Errorf("store: end sessions of user %d: %w", u.ID, err)
		}
		if err := tx.Where("account IN ?", []string{strings.ToLower(u.Email), fmt.Sprintf("otp:%d", u.ID)}).Delete(&LoginAttempt{}).Error; err != nil {
			return fmt.Errorf("store: clear sign-in failures of user %d: %w", u.ID, err)
		}
		audit.ObjectType, audit.ObjectID = "user", fmt.Sprint(u.ID)
		return insertAudit(tx, audit)
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}
