package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/internal/config"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/disbursements"
	"backoffice/internal/models"
	oysb "backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/store"
)

// remitCounter sits in front of the shared OY sandbox and counts the
// remit calls it receives for each partner_trx_id, whichever replica
// made them.
type remitCounter struct {
	h  http.Handler
	mu sync.Mutex
	n  map[string]int
}

func (c *remitCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/api/remit" {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var v struct {
			PartnerTrxID string `json:"partner_trx_id"`
		}
		_ = json.Unmarshal(body, &v)
		c.mu.Lock()
		c.n[v.PartnerTrxID]++
		c.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	c.h.ServeHTTP(w, r)
}

func (c *remitCounter) count(ptid string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[ptid]
}

// callbackCatcher stands where OY sends its disbursement callbacks: it
// keeps each body, so the test can deliver the very callback OY sent to
// the replicas it chooses.
type callbackCatcher struct {
	mu     sync.Mutex
	bodies map[string][]byte // by partner_trx_id
}

func (c *callbackCatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var v struct {
		PartnerTrxID string `json:"partner_trx_id"`
	}
	_ = json.Unmarshal(body, &v)
	c.mu.Lock()
	c.bodies[v.PartnerTrxID] = body
	c.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (c *callbackCatcher) body(ptid string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bodies[ptid]
}

// replicaWith builds one replica on dbURL with its own data directory and
// short leases; env adds environment (here every replica talks to one OY
// sandbox outside them all, as replicas talk to OY itself, and shares one
// callback token).
func replicaWith(t *testing.T, dbURL, holder string, opts Options, env map[string]string) *App {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		switch k {
		case "DASHBOARD_DATA_DIR":
			return dir
		case "DATABASE_URL":
			return dbURL
		}
		return env[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if opts.LeaseTTL == 0 {
		opts.LeaseTTL, opts.LeaseRenew = 600*time.Millisecond, 100*time.Millisecond
	}
	opts.LeaseHolder = holder
	if err := a.Build(opts); err != nil {
		a.DB.Close()
		t.Fatal(err)
	}
	return a
}

// Three replicas on one PostgreSQL database, one OY (the sandbox, shared):
// racing approvals on different replicas send one remit; the same callback
// sent to two replicas is stored once as the original and applied once;
// killing the replica that runs the disbursement poller moves the polling
// to another within the lease's TTL plus one renewal.
func TestThreeReplicasOnOneDatabase(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("three replicas share one database on PostgreSQL only (SQLite is one process's file): set " + dbtest.EnvVar + " to a postgres:// URL")
	}
	ctx := context.Background()
	dbURL := dbtest.URL(t, "dashboard.db")

	const oyUser, oyKey, token = "replicas", "replicas-api-key", "shared-callback-token"
	catcher := &callbackCatcher{bodies: map[string][]byte{}}
	catchSrv := httptest.NewServer(catcher)
	t.Cleanup(catchSrv.Close)
	oySrv := httptest.NewUnstartedServer(nil)
	sb := oysb.New(oysb.Options{Username: oyUser, APIKey: oyKey, PublicURL: "http://" + oySrv.Listener.Addr().String(),
		DisbursementCallbackURL: catchSrv.URL + "/callbacks/oy/disbursement", SettleDelay: 20 * time.Millisecond, CallbackAttempts: 1})
	remits := &remitCounter{h: sb, n: map[string]int{}}
	oySrv.Config.Handler = remits
	oySrv.Start()
	t.Cleanup(func() {
		oySrv.Close()
		sb.Close()
	})

	env := map[string]string{"OY_BASE_URL": oySrv.URL, "OY_USERNAME": oyUser, "OY_API_KEY": oyKey, "OY_CALLBACK_TOKEN": token}
	opts := Options{PollEvery: 50 * time.Millisecond}
	apps := make([]*App, 3)
	srvs := make([]*httptest.Server, 3)
	killed := make([]bool, 3)
	for i, name := range []string{"r1", "r2", "r3"} {
		apps[i] = replicaWith(t, dbURL, name, opts, env)
		srvs[i] = httptest.NewServer(apps[i].Server.Handler())
	}
	t.Cleanup(func() {
		for i, a := range apps {
			srvs[i].Close()
			if !killed[i] {
				_ = a.Close()
			}
		}
	})

	users := make([]*models.User, 4) // a maker and three approvers
	for i, email := range []string{"maker@example.co.id", "ayu@example.co.id", "bima@example.co.id", "citra@example.co.id"} {
		users[i] = &models.User{Email: email, Name: strings.Split(email, "@")[0], Role: models.RoleFinance, PasswordHash: "x"}
		if err := apps[0].Store.CreateUser(ctx, users[i]); err != nil {
			t.Fatal(err)
		}
	}
	audit := func(u *models.User, action string) *models.AuditEntry {
		id := u.ID
		return &models.AuditEntry{At: time.Now().UTC(), Action: action, ActorID: &id, ActorEmail: u.Email}
	}
	// create makes a transfer waiting for one approval, the way the
	// create page does: inquiry on one replica, confirmation on another.
	create := func(account string, amount int64) *models.Disbursement {
		t.Helper()
		draft, err := apps[1].Disbursements.Inquire(ctx, users[0], disbursements.Parsed{Bank: "014", Account: account, Amount: amount, Note: "replicas"})
		if err != nil {
			t.Fatal(err)
		}
		need, err := apps[2].Disbursements.ApprovalsNeeded(ctx, amount)
		if err != nil {
			t.Fatal(err)
		}
		if need != 1 {
			t.Fatalf("Rp %d needs %d approvals, want 1", amount, need)
		}
		d, created, err := apps[2].Store.ConfirmDraft(ctx, draft, users[0], need, audit(users[0], "disbursement.create"))
		if err != nil || !created {
			t.Fatalf("confirm draft: created %v, %v", created, err)
		}
		return d
	}
	var first *models.Disbursement

	t.Run("racing approvals on three replicas send one remit", func(t *testing.T) {
		d := create("1234509876", 150_000)
		first = d
		start := make(chan struct{})
		errs := make([]error, 3)
		var wg sync.WaitGroup
		for i, a := range apps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = a.Disbursements.Decide(ctx, d.ID, store.Decision{User: users[i+1], Approve: true}, audit(users[i+1], "disbursement.approve"))
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, models.ErrDecisionConflict):
			default:
				t.Errorf("replica %d: approval refused with %v, want success or a decision conflict", i+1, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d approvals succeeded (errors %v), want exactly 1", won, errs)
		}
		if n := remits.count(d.PartnerTrxID); n != 1 {
			t.Fatalf("OY received %d remit calls for %s, want 1", n, d.PartnerTrxID)
		}
		h, err := apps[0].Store.DisbursementHistory(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Approvals) != 1 || h.Approvals[0].Decision != "approve" {
			t.Fatalf("approvals stored: %+v, want one approve", h.Approvals)
		}
		sending := 0
		for _, e := range h.Events {
			if e.Source == "approver" && e.ToStatus == models.DisbSending {
				sending++
			}
		}
		if sending != 1 {
			t.Fatalf("%d approver events moved it to sending, want 1: %+v", sending, h.Events)
		}
		got, err := apps[1].Store.DisbursementByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != models.DisbInProgress && got.Status != models.DisbSuccess {
			t.Fatalf("after the remit: %s, want in progress (or already success)", got.Status)
		}
	})
	if first == nil {
		t.FailNow()
	}

	t.Run("the same callback sent to two replicas is applied once", func(t *testing.T) {
		var body []byte
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if body = catcher.body(first.PartnerTrxID); body != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("OY's sandbox sent no disbursement callback within 5 s of the remit")
			}
		}
		start := make(chan struct{})
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, err := http.Post(srvs[i].URL+"/callbacks/oy/disbursement?token="+token, "application/json", bytes.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				codes[i] = resp.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		if codes[0] != http.StatusOK || codes[1] != http.StatusOK {
			t.Fatalf("replicas answered %v, want 200 from both", codes)
		}
		var cbs []models.Callback
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			cbs = nil
			if err := apps[2].DB.Read.WithContext(ctx).Where("provider = ? AND kind = ?", "oy", "disbursement").Order("id").Find(&cbs).Error; err != nil {
				t.Fatal(err)
			}
			done := len(cbs) == 2
			for _, c := range cbs {
				if !c.Duplicate && c.Status == models.CallbackPending {
					done = false
				}
			}
			if done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("callbacks stored after 5 s: %d, want 2, the original processed", len(cbs))
			}
		}
		orig, dup := cbs[0], cbs[1]
		if orig.Duplicate {
			orig, dup = dup, orig
		}
		if orig.Duplicate || !dup.Duplicate || dup.DuplicateOf == nil || *dup.DuplicateOf != orig.ID {
			t.Fatalf("stored duplicate=%v and duplicate=%v (of %v), want one original and its duplicate", cbs[0].Duplicate, cbs[1].Duplicate, dup.DuplicateOf)
		}
		if dup.Status != models.CallbackDuplicate || dup.Attempts != 0 {
			t.Errorf("duplicate: %s after %d attempts, want duplicate, never processed", dup.Status, dup.Attempts)
		}
		attempts, err := apps[0].Store.CallbackAttempts(ctx, orig.ID)
		if err != nil {
			t.Fatal(err)
		}
		if orig.Attempts != 1 || len(attempts) != 1 {
			t.Fatalf("original processed %d times (%d attempt rows), want once", orig.Attempts, len(attempts))
		}
		// The poller's first check is 5 s after the remit: the callback is
		// what moves the transfer here.
		if orig.Status != models.CallbackApplied {
			t.Errorf("original: %s, want applied", orig.Status)
		}
		h, err := apps[1].Store.DisbursementHistory(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		var toSuccess []models.DisbursementEvent
		for _, e := range h.Events {
			if e.ToStatus == models.DisbSuccess && e.FromStatus != models.DisbSuccess {
				toSuccess = append(toSuccess, e)
			}
		}
		if len(toSuccess) != 1 {
			t.Fatalf("%d events moved it to success, want 1: %+v", len(toSuccess), h.Events)
		}
		if e := toSuccess[0]; e.Source != "callback" || e.CallbackID == nil || *e.CallbackID != orig.ID {
			t.Errorf("success came from %s (callback %v), want the original callback %d", e.Source, e.CallbackID, orig.ID)
		}
		got, err := apps[0].Store.DisbursementByID(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != models.DisbSuccess {
			t.Fatalf("after the callback: %s, want success", got.Status)
		}
	})

	t.Run("killing the poller's replica moves the polling", func(t *testing.T) {
		holder := -1
		for deadline := time.Now().Add(5 * time.Second); holder < 0; time.Sleep(10 * time.Millisecond) {
			for i, a := range apps {
				if a.Leases.Holding("disbursement-poller") {
					holder = i
				}
			}
			if holder < 0 && time.Now().After(deadline) {
				t.Fatal("no replica holds the disbursement poller after 5 s")
			}
		}
		srvs[holder].Close()
		apps[holder].kill()
		killed[holder] = true
		at := time.Now()
		var survivors []*App
		for i, a := range apps {
			if i != holder {
				survivors = append(survivors, a)
			}
		}
		limit := 600*time.Millisecond + 100*time.Millisecond + time.Second // TTL + one renewal, and slack for a busy machine
		var next *App
		for next == nil {
			for _, a := range survivors {
				if a.Leases.Holding("disbursement-poller") {
					next = a
				}
			}
			if next == nil && time.Since(at) > limit {
				t.Fatalf("no surviving replica holds the disbursement poller %s after r%d was killed", time.Since(at), holder+1)
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Logf("disbursement poller moved from r%d to %s %s after the kill", holder+1, next.Leases.Holder(), time.Since(at))
		for _, a := range survivors {
			if a != next && a.Leases.Holding("disbursement-poller") {
				t.Fatal("both surviving replicas hold the disbursement poller")
			}
		}

		// It polls: a transfer OY keeps in progress, approved on a
		// survivor, is checked with remit-status by the new holder.
		d := create(oysb.AccountInProgress, 200_000)
		approver := users[1]
		if _, err := survivors[0].Disbursements.Decide(ctx, d.ID, store.Decision{User: approver, Approve: true}, audit(approver, "disbursement.approve")); err != nil {
			t.Fatal(err)
		}
		// Its first check is due 5 s after the remit; make it due now
		// rather than wait.
		if err := survivors[1].DB.Write.WithContext(ctx).Model(&models.Disbursement{}).Where("id = ?", d.ID).
			Update("next_poll_at", time.Now().UTC().Add(-time.Second)).Error; err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			got, err := survivors[0].Store.DisbursementByID(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Polls > 0 {
				if got.Status != models.DisbInProgress {
					t.Fatalf("after remit-status: %s, want in progress", got.Status)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the due transfer was not polled within 5 s of being due (holder %s)", next.Leases.Holder())
			}
		}
	})
}
