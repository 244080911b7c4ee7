package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess *models.Session) error {
	if err := s.db.Write.WithContext(ctx).Create(sess).Error; err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByTokenHash loads a session with its user.
func (s *Store) SessionByTokenHash(ctx context.Context, hash string) (*models.Session, *models.User, error) {
	var sess models.Session
	err := s.db.Read.WithContext(ctx).Where("token_hash = ?", hash).First(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: load session: %w", err)
	}
	u, err := s.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	return &sess, u, nil
}

// TouchSession records activity, extending the idle window.
func (s *Store) TouchSession(ctx context.Context, id int64, at time.Time) error {
	return s.db.Write.WithContext(ctx).Model(&models.Session{}).Where("id = ?", id).Update("last_seen_at", at).Error
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, id int64) error {
	return s.db.Write.WithContext(ctx).Delete(&models.Session{}, id).Error
}

// DeleteExpiredSessions removes sessions past their absolute or idle expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	res := s.db.Write.WithContext(ctx).Where("expires_at < ? OR last_seen_at < ?", now, now.Add(-idle)).Delete(&models.Session{})
	return res.RowsAffected, res.Error
}

// MarkSecondFactor records that the session passed a second-factor check.
func (s *Store) MarkSecondFactor(ctx context.Context, id int64, at time.Time) error {
	return s.db.Write.WithContext(ctx).Model(&models.Session{}).Where("id = ?", id).Update("second_factor_at", at.UTC()).Error
}
