package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
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

// replica opens and builds one dashboard process on dbURL, with its own
// data directory, and short lease timing.
func replica(t *testing.T, dbURL, holder string, opts Options) *App {
	t.Helper()
	return replicaWith(t, dbURL, holder, opts, nil)
}

// kill stops a replica's loops the way a dead process does: nothing is
// released, its leases stay until they expire.
func (a *App) kill() {
	a.cancel()
	a.wg.Wait()
	for _, c := range a.closers {
		c()
	}
	a.Writer.Close()
	a.DB.Close()
}

// Two replicas on one database: every background loop runs on exactly one
// of them; when the one holding the session purge is killed, the other
// takes it over within the lease's TTL plus one renewal and does its work.
func TestBackgroundLoopsRunOnOneReplicaAndMoveWhenItDies(t *testing.T) {
	dbURL := dbtest.URL(t, "dashboard.db")
	ctx := context.Background()
	opts := Options{PurgeEvery: 50 * time.Millisecond}
	apps := []*App{replica(t, dbURL, "a", opts), replica(t, dbURL, "b", opts)}
	loops := []string{"sessions-purge", "callback-worker", "disbursement-poller", "batches", "topup-poller", "checkout-poller", "recurring-invoices", "va-sync"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		leases, err := apps[0].Store.Leases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(leases) == len(loops) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leases after 5 s: %+v, want one for each of %v", leases, loops)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Several renewals: each loop stays on one replica.
	time.Sleep(300 * time.Millisecond)
	leases, err := apps[1].Store.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range leases {
		if !slices.Contains(loops, l.Name) {
			t.Errorf("unexpected lease %q", l.Name)
		}
		running := 0
		for _, a := range apps {
			if a.Leases.Holding(l.Name) {
				running++
				if a.Leases.Holder() != l.Holder {
					t.Errorf("%s: %s runs it, the table names %s", l.Name, a.Leases.Holder(), l.Holder)
				}
			}
		}
		if running != 1 {
			t.Errorf("lease %d %s: running on %d replicas", i, l.Name, running)
		}
	}
	var holder, other *App
	if apps[0].Leases.Holding("sessions-purge") {
		holder, other = apps[0], apps[1]
	} else {
		holder, other = apps[1], apps[0]
	}
	defer other.Close()
	holder.kill()
	killed := time.Now()

	u := &models.User{Email: "siti@example.co.id", Name: "Siti", Role: models.RoleFinance, PasswordHash: "x"}
	if err := other.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := other.Store.CreateSession(ctx, &models.Session{TokenHash: "expired", UserID: u.ID, CreatedAt: now.Add(-13 * time.Hour),
		LastSeenAt: now.Add(-time.Minute), ExpiresAt: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for {
		_, _, err := other.Store.SessionByTokenHash(ctx, "expired")
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Since(killed) > 600*time.Millisecond+100*time.Millisecond+time.Second {
			t.Fatalf("expired session still there %s after the purging replica was killed (err %v)", time.Since(killed), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("purge moved to the surviving replica %s after the kill", time.Since(killed))
	if !other.Leases.Holding("sessions-purge") {
		t.Fatal("the surviving replica does not report holding the purge")
	}
	// Each lease expires on its own renewal phase: all within TTL + one renewal.
	for _, name := range loops {
		for !other.Leases.Holding(name) {
			if time.Since(killed) > 600*time.Millisecond+100*time.Millisecond+time.Second {
				t.Fatalf("%s not taken over by the surviving replica %s after the kill", name, time.Since(killed))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// On SQLite (one process) a dashboard restarted after a crash runs its
// background loops at once, as before leases: it holds them under its host
// name, not a new random one that would wait for the old leases to expire.
func TestSQLiteRestartAfterACrashTakesItsLeasesBackAtOnce(t *testing.T) {
	dbtest.SkipOnPostgres(t, "replicas on PostgreSQL take new names and wait for the dead one's leases")
	dbURL := dbtest.URL(t, "dashboard.db")
	// Leases an hour long: a process under a new name would wait an hour.
	first := replica(t, dbURL, "", Options{LeaseTTL: time.Hour, LeaseRenew: time.Minute})
	for !first.Leases.Holding("disbursement-poller") {
		time.Sleep(10 * time.Millisecond)
	}
	first.kill()
	second := replica(t, dbURL, "", Options{})
	defer second.Close()
	start := time.Now()
	for !second.Leases.Holding("disbursement-poller") {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("restarted process not running the poller after %s (its leases: %s)", time.Since(start), second.Leases.Holder())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
