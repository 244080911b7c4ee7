package checkout_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/internal/checkout"
	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	oysb "backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/providers/provider"
	"backoffice/internal/store"
)

var ctx = context.Background()

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is the OY sandbox over HTTP behind a front that can lose answers,
// and a real SQLite file.
type env struct {
	t       *testing.T
	sb      *oysb.Sandbox
	srv     *httptest.Server
	dbPath  string
	clock   *clock
	creates atomic.Int64 // create requests that reached the sandbox
	// mode: "" pass through; "slow" answers creates after the client gave
	// up; "down" answers nothing at all (503) for every request.
	mu        sync.Mutex
	mode      string
	callbacks chan []byte
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, dbPath: dbtest.URL(t, "t.db"), clock: &clock{t: time.Now().UTC()}, callbacks: make(chan []byte, 16)}
	cbSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.callbacks <- b
		w.WriteHeader(200)
	}))
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	e.sb = oysb.New(oysb.Options{Username: "u", APIKey: "k", PublicURL: e.srv.URL, CheckoutCallbackURL: cbSrv.URL, CallbackRetryDelay: 10 * time.Millisecond})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		mode := e.mode
		e.mu.Unlock()
		if mode == "down" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		create := strings.HasPrefix(r.URL.Path, "/api/payment-checkout/create")
		if create {
			e.creates.Add(1)
		}
		if create && mode == "slow" {
			rec := httptest.NewRecorder()
			e.sb.ServeHTTP(rec, r)
			time.Sleep(700 * time.Millisecond) // the client gave up at 300 ms
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		e.sb.ServeHTTP(w, r)
	})
	t.Cleanup(func() { e.srv.Close(); cbSrv.Close(); e.sb.Close() })
	return e
}

func (e *env) setMode(m string) { e.mu.Lock(); e.mode = m; e.mu.Unlock() }

// service opens the database file again, as a restarted or second process would.
func (e *env) service() (*checkout.Service, *store.Store) {
	e.t.Helper()
	d, err := db.Open(e.dbPath)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { d.Close() })
	st := store.New(d)
	if _, err := st.Migrate(ctx); err != nil {
		e.t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := oy.New(oy.Config{BaseURL: e.srv.URL, Username: "u", APIKey: "k", Timeout: 300 * time.Millisecond, Logger: log},
		oy.WithRetry(provider.RetryPolicy{Attempts: 2, Base: 5 * time.Millisecond}))
	return checkout.New(st, c, log, checkout.Options{Now: e.clock.Now, LinkURL: func(k models.CheckoutKind, id string) string { return e.srv.URL + "/pay/" + id }}), st
}

func link(ref string) *models.Checkout {
	return &models.Checkout{Kind: models.KindPaymentLink, Status: models.CheckoutSending, PartnerTxID: ref, SenderName: "Budi", Amount: 50000,
		Step: oy.StepInputAmount, Expiration: time.Now().Add(24 * time.Hour), MakerEmail: "admin@example.com"}
}

func audit() *models.AuditEntry {
	return &models.AuditEntry{ActorEmail: "admin@example.com", Action: "link.create", ObjectType: "link", Summary: "test"}
}

func TestCreateGetStatusDeleteAgainstTheSandbox(t *testing.T) {
	e := newEnv(t)
	svc, st := e.service()
	c, err := svc.Create(ctx, link("PL1"), audit())
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != models.CheckoutCreated || !strings.HasPrefix(c.URL, e.srv.URL+"/pay/") || c.PaymentLinkID == "" || c.EmailStatus != "PROCESSED" || c.SentAt == nil {
		t.Fatalf("created: %+v", c)
	}
	if _, err := svc.Create(ctx, link("PL1"), audit()); err != checkout.ErrDuplicateRef {
		t.Fatalf("same reference again: %v", err)
	}
	live, err := svc.Refresh(ctx, c, "finance@example.com")
	if err != nil || live == nil || live.PartnerTxID != "PL1" || live.Amount != 50000 {
		t.Fatalf("refresh: %v %+v", err, live)
	}
	if err := svc.Delete(ctx, c, audit()); err != nil {
		t.Fatal(err)
	}
	c, _ = st.Checkout(ctx, c.ID)
	if c.Status != models.CheckoutClosed {
		t.Fatalf("deleted: %s", c.Status)
	}
	var de *checkout.DeleteError
	if err := svc.Delete(ctx, c, audit()); err == nil || !asDelete(err, &de) || !strings.Contains(de.Error(), "not started paying") {
		t.Fatalf("delete twice: %v", err)
	}
	// A link paid first cannot be deleted at OY: OY's reason in words.
	c2, _ := svc.Create(ctx, link("PL2"), audit())
	if err := e.sb.PayCheckout("PL2", oysb.CheckoutPayment{}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, c2, audit()); !asDelete(err, &de) || !strings.Contains(de.Error(), "can no longer be deleted") {
		t.Fatalf("delete after pay: %v", err)
	}
}

func asDelete(err error, de **checkout.DeleteError) bool {
	var d *checkout.DeleteError
	ok := err != nil && errorsAs(err, &d)
	*de = d
	return ok
}

func TestOYRefusalIsStoredAndNothingIsLeftHalfDone(t *testing.T) {
	e := newEnv(t)
	svc, _ := e.service()
	bad := link("PL3")
	bad.SenderName = "Budi 2" // the sandbox refuses it as OY does
	c, err := svc.Create(ctx, bad, audit())
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != models.CheckoutRefused || c.OYMessage == "" || c.NextCheckAt != nil {
		t.Fatalf("%+v", c)
	}
}

// OY slow during create: the answer is lost, Get finds the link, and it
// is never created twice.
func TestLostCreateAnswerIsSettledByGetNeverCreatedTwice(t *testing.T) {
	e := newEnv(t)
	svc, _ := e.service()
	e.setMode("slow")
	c, err := svc.Create(ctx, link("PL4"), audit())
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != models.CheckoutCreated || c.PaymentLinkID == "" || c.URL == "" {
		t.Fatalf("settled by Get: %+v", c)
	}
	if n := e.creates.Load(); n != 1 {
		t.Fatalf("create sent %d times", n)
	}
}

// OY down during create: unknown, checked again later; once OY has had no
// record for the grace period, it was never created.
func TestCreateWhileOYIsDownIsCheckedNotResent(t *testing.T) {
	e := newEnv(t)
	svc, st := e.service()
	e.setMode("down")
	c, err := svc.Create(ctx, link("PL5"), audit())
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != models.CheckoutUnknown || c.NextCheckAt == nil {
		t.Fatalf("%+v", c)
	}
	e.setMode("")
	e.clock.Advance(time.Minute)
	if _, err := svc.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	c, _ = st.Checkout(ctx, c.ID)
	if c.Status != models.CheckoutUnknown {
		t.Fatalf("within the grace period it stays unknown: %s", c.Status)
	}
	e.clock.Advance(checkout.NotFoundGrace)
	if _, err := svc.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	c, _ = st.Checkout(ctx, c.ID)
	if c.Status != models.CheckoutRefused || c.NextCheckAt != nil || e.creates.Load() != 0 {
		t.Fatalf("after the grace period: %s, creates %d", c.Status, e.creates.Load())
	}
}

func TestCallbackIsConfirmedAndRecordsThePayment(t *testing.T) {
	e := newEnv(t)
	svc, st := e.service()
	c, _ := svc.Create(ctx, link("PL6"), audit())
	if err := e.sb.PayCheckout("PL6", oysb.CheckoutPayment{PaymentMethod: "VA", SenderBank: "008"}); err != nil {
		t.Fatal(err)
	}
	body := <-e.callbacks
	res := svc.ProcessCallback(ctx, &models.Callback{ID: 0, Body: body})
	move, ok := res.Change.(store.CheckoutMove)
	if !ok || res.RecordID == "" {
		t.Fatalf("%+v", res)
	}
	if _, err := st.ApplyCheckout(ctx, move.ID, move.Change, nil); err != nil {
		t.Fatal(err)
	}
	c, _ = st.Checkout(ctx, c.ID)
	if c.Status != models.CheckoutComplete || c.PaidAmount != 50000 || c.PaymentMethod != "VA" || c.SenderBank != "008" || c.VANumber == "" || c.PaidAt == nil {
		t.Fatalf("paid: %+v", c)
	}
	// The same callback again changes nothing.
	if moved, _ := st.ApplyCheckout(ctx, move.ID, move.Change, nil); moved {
		t.Fatal("applied twice")
	}
	// A late "expired" never moves a paid link back.
	if moved, _ := st.ApplyCheckout(ctx, c.ID, store.CheckoutChange{To: models.CheckoutExpired, Source: "callback"}, nil); moved {
		t.Fatal("paid link expired")
	}
}

func TestCallbackForAnUnknownReferenceIsFetchedWithGet(t *testing.T) {
	e := newEnv(t)
	svc, st := e.service()
	// Made at OY by someone else (its dashboard): the callback arrives here.
	other := oy.New(oy.Config{BaseURL: e.srv.URL, Username: "u", APIKey: "k"})
	if _, err := other.CreateInvoice(ctx, &oy.InvoiceParams{CheckoutParams: oy.CheckoutParams{PartnerTxID: "EXT1", SenderName: "Sari", Amount: 20000},
		FullName: "Sari Dewi", Items: []oy.InvoiceItem{{Item: "Kain", Quantity: 1, PricePerItem: 20000}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.PayCheckout("EXT1", oysb.CheckoutPayment{}); err != nil {
		t.Fatal(err)
	}
	res := svc.ProcessCallback(ctx, &models.Callback{Body: <-e.callbacks})
	if res.Outcome == models.CallbackUnmatched || res.RecordType != string(models.KindInvoice) {
		t.Fatalf("%+v", res)
	}
	c, err := st.CheckoutByRef(ctx, "EXT1")
	if err != nil || c.FullName != "Sari Dewi" || len(checkout.Lines(c)) != 1 {
		t.Fatalf("imported: %v %+v", err, c)
	}
	// Nobody has it: unmatched.
	b, _ := json.Marshal(map[string]any{"partner_tx_id": "NOPE1", "status": "complete", "amount": 20000})
	if res := svc.ProcessCallback(ctx, &models.Callback{Body: b}); res.Outcome != models.CallbackUnmatched {
		t.Fatalf("unknown everywhere: %+v", res)
	}
}

// A link deleted in the dashboard that OY reports paid later (a transfer
// that arrived late) is recorded as paid, with a sentence saying so.
func TestDeletedLinkPaidLater(t *testing.T) {
	e := newEnv(t)
	svc, st := e.service()
	c, _ := svc.Create(ctx, link("PL7"), audit())
	if err := svc.Delete(ctx, c, audit()); err != nil {
		t.Fatal(err)
	}
	<-e.callbacks // the "closed" callback
	if err := e.sb.PayCheckout("PL7", oysb.CheckoutPayment{AfterClose: true}); err != nil {
		t.Fatal(err)
	}
	res := svc.ProcessCallback(ctx, &models.Callback{Body: <-e.callbacks})
	move := res.Change.(store.CheckoutMove)
	if _, err := st.ApplyCheckout(ctx, move.ID, move.Change, nil); err != nil {
		t.Fatal(err)
	}
	c, _ = st.Checkout(ctx, c.ID)
	evs, _ := st.CheckoutEvents(ctx, c.ID)
	if c.Status != models.CheckoutComplete || !strings.Contains(evs[len(evs)-1].Message, "Paid after it was Deleted") {
		t.Fatalf("%s %+v", c.Status, evs[len(evs)-1])
	}
}

func errorsAs(err error, target **checkout.DeleteError) bool { return errors.As(err, target) }

func oyClient(e *env) *oy.Client {
	return oy.New(oy.Config{BaseURL: e.srv.URL, Username: "u", APIKey: "k"})
}
