package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/auth"
)

// LoginAttempt is one sign-in or code check, counted from before the check
// runs until it succeeds (then deleted) or its window passes.
type LoginAttempt struct {
	ID      int64
	Account string // lowercased email, or "otp:<user id>"
	IP      string
	At      time.Time
}

// ReserveLoginAttempt counts the attempts in the window and, when wait
// allows it, records this one, all in one write transaction: requests
// arriving together are counted one after another, so none can pass a
// limit the others have already used up. (SQLite's single writer orders
// them; on PostgreSQL the transaction first locks the account and then
// the address, always in that order.) It returns the new attempt's id
// (0 when refused) and how long to wait.
func (s *Store) ReserveLoginAttempt(ctx context.Context, account, ip string, now time.Time,
	wait func(auth.AttemptCounts, time.Time) time.Duration) (id int64, retryAfter time.Duration, err error) {
	account = strings.ToLower(strings.TrimSpace(account))
	now = now.UTC()
	since := now.Add(-auth.ThrottleWindow)
	err = s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.d.lockKey(tx, "login account "+account); err != nil {
			return err
		}
		if err := s.d.lockKey(tx, "login ip "+ip); err != nil {
			return err
		}
		if err := tx.Where("at < ?", since).Delete(&LoginAttempt{}).Error; err != nil {
			return err
		}
		var c auth.AttemptCounts
		var row struct {
			N    int
			Last *string
		}
		if err := tx.Raw("SELECT count(*) AS n, max(at) AS last FROM login_attempts WHERE account = ? AND ip = ? AND at >= ?", account, ip, since).Scan(&row).Error; err != nil {
			return err
		}
		c.Pair = row.N
		if row.Last != nil {
			c.PairLast = parseDBTime(*row.Last)
		}
		var n int64
		if err := tx.Model(&LoginAttempt{}).Where("account = ? AND at >= ?", account, since).Count(&n).Error; err != nil {
			return err
		}
		c.Account = int(n)
		if err := tx.Model(&LoginAttempt{}).Where("ip = ? AND at >= ?", ip, since).Count(&n).Error; err != nil {
			return err
		}
		c.IP = int(n)
		if retryAfter = wait(c, now); retryAfter > 0 {
			return nil
		}
		a := LoginAttempt{Account: account, IP: ip, At: now}
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		id = a.ID
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: reserve sign-in attempt: %w", err)
	}
	return id, retryAfter, nil
}

// parseDBTime reads a time as SQLite returns it from an aggregate (and as
// database/sql formats PostgreSQL's timestamptz into a string).
func parseDBTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// ForgetLoginAttempt drops one reserved attempt that was never judged (the
// server was too busy to check it).
func (s *Store) ForgetLoginAttempt(ctx context.Context, id int64) error {
	return s.db.Write.WithContext(ctx).Delete(&LoginAttempt{}, id).Error
}

// ClearLoginAttempts forgets every failure on an account (an admin's
// unlock, a password reset).
func (s *Store) ClearLoginAttempts(ctx context.Context, accounts ...string) error {
	for i, a := range accounts {
		accounts[i] = strings.ToLower(strings.TrimSpace(a))
	}
	return s.db.Write.WithContext(ctx).Where("account IN ?", accounts).Delete(&LoginAttempt{}).Error
}

// CountLoginAttempts counts an account's failures in the window, for the
// staff page.
func (s *Store) CountLoginAttempts(ctx context.Context, account string, now time.Time) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&LoginAttempt{}).
		Where("account = ? AND at >= ?", strings.ToLower(strings.TrimSpace(account)), now.UTC().Add(-auth.ThrottleWindow)).Count(&n).Error
	return n, err
}
