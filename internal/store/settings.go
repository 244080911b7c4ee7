package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"backoffice/internal/models"
)

// Setting returns a stored value, or def when unset.
func (s *Store) Setting(ctx context.Context, key, def string) (string, error) {
	var st models.Setting
	err := s.db.Read.WithContext(ctx).First(&st, "key = ?", key).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return def, nil
	}
	return st.Value, err
}

// PutSetting stores a value with its audit entry.
func (s *Store) PutSetting(ctx context.Context, key, value string, audit *models.AuditEntry) error {
	return s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		st := models.Setting{Key: key, Value: value, UpdatedAt: time.Now().UTC()}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&st).Error; err != nil {
			return err
		}
		return insertAudit(tx, audit)
	})
}
