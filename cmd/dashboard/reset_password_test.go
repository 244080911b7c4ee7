package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"backoffice/internal/auth"
	"backoffice/internal/db"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	d, err := db.Open(filepath.Join(dir, "dashboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return store.New(d)
}

// A lost demo password is set anew on the server: the rules apply, the
// user's failed sign-ins are cleared, the user's sessions end, and the
// audit log says so.
func TestUserResetPassword(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if _, err := runCLI(t, dir, "a long enough password\n", "user", "add", "--email", "finance@example.com", "--name", "Siti Rahma", "--role", "finance", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, dir, "another long password\n", "user", "add", "--email", "budi@example.com", "--name", "Budi Santoso", "--role", "auditor", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, dir)
	ctx := context.Background()
	u, err := st.UserByEmail(ctx, "finance@example.com")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := st.UserByEmail(ctx, "budi@example.com")
	now := time.Now().UTC()
	for _, s := range []*models.Session{
		{TokenHash: "a", UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		{TokenHash: "b", UserID: other.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	never := func(auth.AttemptCounts, time.Time) time.Duration { return 0 }
	for _, acc := range []string{"finance@example.com", "otp:" + itoa(u.ID), "budi@example.com"} {
		for range 3 {
			if _, _, err := st.ReserveLoginAttempt(ctx, acc, "203.0.113.9", now, never); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Refused: the rules (too short; the user's own name), an unknown
	// email, missing flags. Nothing changes.
	for name, c := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"short":         {"short\n", []string{"--email", "finance@example.com", "--password-stdin"}, "password refused"},
		"own name":      {"siti rahma siti rahma\n", []string{"--email", "finance@example.com", "--password-stdin"}, "password refused"},
		"unknown email": {"a brand new password\n", []string{"--email", "nobody@example.com", "--password-stdin"}, "no user has the email"},
		"no stdin flag": {"a brand new password\n", []string{"--email", "finance@example.com"}, "needs --email and --password-stdin"},
	} {
		_, err := runCLI(t, dir, c.stdin, append([]string{"user", "reset-password"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if still, _ := st.UserByEmail(ctx, "finance@example.com"); still.PasswordHash != u.PasswordHash {
		t.Fatal("a refused reset changed the password")
	}

	out, err := runCLI(t, dir, "a brand new password\n", "user", "reset-password", "--email", "FINANCE@example.com", "--password-stdin")
	if err != nil || !strings.Contains(out, "password reset for Siti Rahma <finance@example.com>") {
		t.Fatalf("reset: %q %v", out, err)
	}
	after, _ := st.UserByEmail(ctx, "finance@example.com")
	if err := auth.CheckPassword(after.PasswordHash, "a brand new password"); err != nil {
		t.Fatal("the new password does not sign in")
	}
	if err := auth.CheckPassword(after.PasswordHash, "a long enough password"); err == nil {
		t.Fatal("the lost password still works")
	}
	if _, _, err := st.SessionByTokenHash(ctx, "a"); err == nil {
		t.Fatal("the user's session survived the reset")
	}
	if _, _, err := st.SessionByTokenHash(ctx, "b"); err != nil {
		t.Fatal("another user's session ended")
	}
	counts := func(acc string) int {
		var got auth.AttemptCounts
		st.ReserveLoginAttempt(ctx, acc, "198.51.100.1", now, func(c auth.AttemptCounts, _ time.Time) time.Duration { got = c; return time.Second })
		return got.Account
	}
	if n := counts("finance@example.com"); n != 0 {
		t.Fatalf("%d failed sign-ins left after the reset", n)
	}
	if n := counts("otp:" + itoa(u.ID)); n != 0 {
		t.Fatalf("%d failed code attempts left after the reset", n)
	}
	if n := counts("budi@example.com"); n != 3 {
		t.Fatalf("another user's failed sign-ins: %d, want 3", n)
	}
	page, err := st.ListAudit(ctx, store.AuditFilter{Action: "user.reset_password"}, 10)
	if err != nil || len(page.Items) != 1 || page.Items[0].ObjectID != itoa(u.ID) || !strings.Contains(page.Items[0].Summary, "finance@example.com") {
		t.Fatalf("audit: %+v %v", page.Items, err)
	}
}

// Help, and any command refused for its arguments, open no database: the
// data directory is not even made.
func TestHelpAndBadArgumentsCreateNoDatabase(t *testing.T) {
	for _, args := range [][]string{
		{"help"}, {"-h"}, {"--help"}, {"serve", "--help"}, {"user", "add", "-h"}, {"user", "reset-password", "--help"},
		{"user"}, {"user", "remove"}, {"user", "add", "--email", "x@example.com"}, {"user", "reset-password", "--email", "x@example.com"},
		{"serve", "--bogus"}, {"migrate", "now"}, {"frobnicate"},
	} {
		dir := filepath.Join(t.TempDir(), "data")
		out, err := runCLI(t, dir, "", args...)
		help := args[0] == "help" || wantsHelp(args)
		if help && (err != nil || !strings.Contains(out, "reset-password")) {
			t.Errorf("%v: %q %v", args, out, err)
		}
		if !help {
			if _, ok := err.(usageError); !ok {
				t.Errorf("%v: err = %v, want a usage error", args, err)
			}
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%v made the data directory", args)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
