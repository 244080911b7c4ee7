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

// AuditFilter narrows the audit log. Zero values do not filter.
type AuditFilter struct {
	Actor  string // email, exact, case-insensitive
	Action string // exact action, or a prefix ending in "." such as "user."
	Q      string // free text in object id or summary
	From   time.Time
	To     time.Time // exclusive
	Before int64     // cursor: entries with a smaller id
}

func (f AuditFilter) apply(q *gorm.DB) *gorm.DB {
	if f.Actor != "" {
		q = q.Where("actor_email = ? COLLATE NOCASE", f.Actor)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			q = q.Where("action >= ? AND action < ?", f.Action, f.Action+"\xff")
		} else {
			q = q.Where("action = ?", f.Action)
		}
	}
	if f.Q != "" {
		like := "%" + escapeLike(f.Q) + "%"
		q = q.Where("(object_id LIKE ? ESCAPE '\\' OR summary LIKE ? ESCAPE '\\')", like, like)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	return q
}

// ListAudit returns one page of entries, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter, limit int) (Page[models.AuditEntry], error) {
	q := f.apply(s.db.Read.WithContext(ctx).Model(&models.AuditEntry{}))
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	var rows []models.AuditEntry
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return Page[models.AuditEntry]{}, fmt.Errorf("store: list audit entries: %w", err)
	}
	return pageOf(rows, limit, func(e models.AuditEntry) int64 { return e.ID }), nil
}

// EachAudit streams every matching entry, newest first, in batches, for CSV.
func (s *Store) EachAudit(ctx context.Context, f AuditFilter, fn func(models.AuditEntry) error) error {
	f.Before = 0
	cursor := int64(0)
	for {
		q := f.apply(s.db.Read.WithContext(ctx).Model(&models.AuditEntry{}))
		if cursor > 0 {
			q = q.Where("id < ?", cursor)
		}
		var rows []models.AuditEntry
		if err := q.Order("id DESC").Limit(1000).Find(&rows).Error; err != nil {
			return fmt.Errorf("store: export audit entries: %w", err)
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < 1000 {
			return nil
		}
		cursor = rows[len(rows)-1].ID
	}
}

// AuditActions lists the distinct actions recorded, for the filter.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.Read.WithContext(ctx).Raw("SELECT DISTINCT action FROM audit_entries ORDER BY action").Scan(&out).Error
	return out, err
}

// CountLoginFailures counts failed sign-ins since a time, by email and by IP.
func (s *Store) CountLoginFailures(ctx context.Context, email, ip string, since time.Time) (byEmail, byIP int64, err error) {
	r := s.db.Read.WithContext(ctx)
	if err = r.Model(&models.AuditEntry{}).Where("action = ? AND actor_email = ? COLLATE NOCASE AND at >= ?", "login.failed", email, since.UTC()).Count(&byEmail).Error; err != nil {
		return
	}
	err = r.Model(&models.AuditEntry{}).Where("action = ? AND ip = ? AND at >= ?", "login.failed", ip, since.UTC()).Count(&byIP).Error
	return
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
