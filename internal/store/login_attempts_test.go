package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"backoffice/internal/auth"
	"backoffice/internal/models"
)

// Reservations made at the same moment are counted one after another: 40
// at once on one account from one address let through only what the
// policy allows for the counts each one saw.
func TestReserveLoginAttemptIsAtomic(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 40 {
		wg.Go(func() {
			id, wait, err := s.ReserveLoginAttempt(ctx, "Siti@Example.com", "10.0.0.1", now, auth.ThrottleWait)
			if err != nil {
				t.Error(err)
				return
			}
			if wait == 0 && id > 0 {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 3 {
		t.Fatalf("%d attempts allowed at once, want 3 (the 4th waits 10 s)", allowed)
	}
	// The delay runs from the latest failure.
	_, wait, err := s.ReserveLoginAttempt(ctx, "siti@example.com", "10.0.0.1", now.Add(4*time.Second), auth.ThrottleWait)
	if err != nil || wait != 6*time.Second {
		t.Fatalf("wait %v, %v; want 6s", wait, err)
	}
	if n, _ := s.CountLoginAttempts(ctx, "SITI@example.com", now); n != 3 {
		t.Fatalf("counted %d", n)
	}
	// Another address is not slowed by these.
	if _, wait, _ := s.ReserveLoginAttempt(ctx, "siti@example.com", "10.0.0.2", now, auth.ThrottleWait); wait != 0 {
		t.Fatalf("another address waits %v", wait)
	}
	if err := s.ClearLoginAttempts(ctx, "siti@example.com"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountLoginAttempts(ctx, "siti@example.com", now); n != 0 {
		t.Fatalf("after clearing: %d", n)
	}
}

func TestSecondFactorStore(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	u := &models.User{Email: "a@example.com", Name: "A", Role: models.RoleAdmin, PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableSecondFactor(ctx, u.ID, "v1:sealed", []string{"h1", "h2"}, &models.AuditEntry{Action: "user.2fa_enrol"}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.UserByID(ctx, u.ID)
	if !got.HasSecondFactor() || got.TOTPEnabledAt == nil {
		t.Fatal("not enabled")
	}
	for i, want := range []bool{true, false} {
		if ok, err := s.UseRecoveryCode(ctx, u.ID, "h1", time.Now()); err != nil || ok != want {
			t.Fatalf("use %d: %v %v", i, ok, err)
		}
	}
	if n, _ := s.CountRecoveryCodes(ctx, u.ID); n != 1 {
		t.Fatalf("%d codes left", n)
	}
	if err := s.ResetSecondFactor(ctx, u.ID, &models.AuditEntry{Action: "user.2fa_reset"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.UserByID(ctx, u.ID)
	if got.HasSecondFactor() || got.TOTPEnabledAt != nil {
		t.Fatal("not reset")
	}
	if n, _ := s.CountRecoveryCodes(ctx, u.ID); n != 0 {
		t.Fatalf("%d codes left after reset", n)
	}
}
