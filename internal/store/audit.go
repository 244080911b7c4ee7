package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// Audit appends one entry. There is deliberately no update or delete.
func (s *Store) Audit(ctx context.Context, e *models.AuditEntry) error {
	return insertAudit(s.db.Write.WithContext(ctx), e)
}

func insertAudit(tx *gorm.DB, e *models.AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	if err := tx.Create(e).Error; err != nil {
		return fmt.Errorf("store: write audit entry: %w", err)
	}
	return nil
}

// CountLoginFailures counts failed sign-ins since a time, by email and by IP.
func (s *Store) CountLoginFailures(ctx context.Context, email, ip string, since time.Time) (byEmail, byIP int64, err error) {
	r := s.db.Read.WithContext(ctx)
	if err = r.Model(&models.AuditEntry{}).Where("action = ? AND "+s.d.eqNoCase("actor_email")+" AND at >= ?", "login.failed", email, since.UTC()).Count(&byEmail).Error; err != nil {
		return
	}
	err = r.Model(&models.AuditEntry{}).Where("action = ? AND ip = ? AND at >= ?", "login.failed", ip, since.UTC()).Count(&byIP).Error
	return
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
