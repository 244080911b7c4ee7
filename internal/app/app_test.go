package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"backoffice/internal/config"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/handlers"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

// Sessions past their absolute or idle limit are deleted in the
// background; live ones stay.
func TestExpiredSessionsArePurged(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil { // start-up refuses a data directory others can read
		t.Fatal(err)
	}
	dbURL := dbtest.URL(t, "dashboard.db")
	cfg, err := config.Load(func(k string) string {
		switch k {
		case "DASHBOARD_DATA_DIR":
			return dir
		case "DATABASE_URL":
			return dbURL
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	u := &models.User{Email: "siti@example.co.id", Name: "Siti", Role: models.RoleFinance, PasswordHash: "x"}
	if err := a.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	sessions := map[string]*models.Session{
		"live":    {TokenHash: "live", UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		"idle":    {TokenHash: "idle", UserID: u.ID, CreatedAt: now.Add(-2 * time.Hour), LastSeenAt: now.Add(-handlers.IdleTimeout - time.Minute), ExpiresAt: now.Add(time.Hour)},
		"expired": {TokenHash: "expired", UserID: u.ID, CreatedAt: now.Add(-13 * time.Hour), LastSeenAt: now.Add(-time.Minute), ExpiresAt: now.Add(-time.Minute)},
	}
	for _, s := range sessions {
		if err := a.Store.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Build(Options{PurgeEvery: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, _, idleErr := a.Store.SessionByTokenHash(ctx, "idle")
		_, _, expErr := a.Store.SessionByTokenHash(ctx, "expired")
		if errors.Is(idleErr, store.ErrNotFound) && errors.Is(expErr, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("expired sessions still stored after 5 s (idle: %v, expired: %v)", idleErr, expErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, _, err := a.Store.SessionByTokenHash(ctx, "live"); err != nil {
		t.Fatalf("live session purged: %v", err)
	}
}
