package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// AuditFilter narrows the audit log. Zero values do not filter.
type AuditFilter struct {
	Actor  string // email, exact, case-insensitive
	Action string // exact action, or a prefix ending in "." such as "user."
	Q      string // free text in object id or summary, case-insensitive
	From   time.Time
	To     time.Time // exclusive
	Cursor
	minID, maxID int64
}

func (f AuditFilter) apply(q *gorm.DB) *gorm.DB {
	d := dialectOf(q)
	if f.Actor != "" {
		q = q.Where(d.eqNoCase("actor_email"), f.Actor)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			lo, hi := prefixRange(f.Action)
			q = q.Where("action >= ? AND action < ?", lo, hi)
		} else {
			q = q.Where("action = ?", f.Action)
		}
	}
	if f.Q != "" {
		like := "%" + escapeLike(f.Q) + "%"
		q = q.Where("(object_id "+d.Like+" ? ESCAPE '\\' OR summary "+d.Like+" ? ESCAPE '\\')", like, like)
	}
	q = idAndTimeRange(q, f.minID, f.maxID, "at", f.From, f.To)
	return q
}

func auditPageQuery(tx *gorm.DB, f AuditFilter, limit int) *gorm.DB {
	return f.Cursor.page(f.apply(tx.Model(&models.AuditEntry{})), limit)
}

// ListAudit returns one page of entries, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter, limit int) (Page[models.AuditEntry], error) {
	minID, maxID, ok, err := s.idRange(ctx, "audit_entries", "at", f.From, f.To)
	if err != nil || !ok {
		return Page[models.AuditEntry]{}, err
	}
	f.minID, f.maxID = minID, maxID
	var rows []models.AuditEntry
	if err := auditPageQuery(s.listDB(ctx), f, limit).Find(&rows).Error; err != nil {
		return Page[models.AuditEntry]{}, fmt.Errorf("store: list audit entries: %w", err)
	}
	return pageAt(rows, limit, f.Cursor, func(e models.AuditEntry) int64 { return e.ID }), nil
}

// AuditListSQL is the statement ListAudit runs (dates already resolved),
// for query-plan tests.
func (s *Store) AuditListSQL(ctx context.Context, f AuditFilter, limit int) (string, error) {
	var err error
	if f.minID == 0 && f.maxID == 0 {
		f.minID, f.maxID, _, err = s.idRange(ctx, "audit_entries", "at", f.From, f.To)
	}
	return s.db.Read.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var rows []models.AuditEntry
		return auditPageQuery(tx, f, limit).Find(&rows)
	}), err
}

// EachAudit streams every matching entry, newest first, in batches, for export.
func (s *Store) EachAudit(ctx context.Context, f AuditFilter, fn func(models.AuditEntry) error) error {
	f.Cursor = Cursor{}
	for {
		page, err := s.ListAudit(ctx, f, 1000)
		if err != nil {
			return fmt.Errorf("store: export audit entries: %w", err)
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

// AuditActions lists the distinct actions recorded, for the filter. It hops
// along the action index from one action to the next, so the cost follows
// the number of actions, not of entries.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	var out []string
	err := s.listDB(ctx).Raw(`WITH RECURSIVE a(action) AS (
		SELECT min(action) FROM audit_entries
		UNION ALL SELECT (SELECT min(action) FROM audit_entries WHERE action > a.action) FROM a WHERE a.action IS NOT NULL)
		SELECT action FROM a WHERE action IS NOT NULL`).Scan(&out).Error
	return out, err
}
