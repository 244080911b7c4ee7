package store

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

func stageVA(t *testing.T, s *Store) *models.VirtualAccount {
	t.Helper()
	exp := time.Now().UTC().Add(time.Hour)
	v := &models.VirtualAccount{OYID: "oy-1", VANumber: "9002000000000001", BankCode: "002", PartnerUserID: "c-1", IsOpen: true,
		ExpiresAt: &exp, Status: models.VAWaitingPayment, Source: "dashboard"}
	if inserted, err := s.UpsertVA(context.Background(), v); err != nil || !inserted {
		t.Fatalf("insert: %v %v", inserted, err)
	}
	return v
}

func stageCallback(t *testing.T, s *Store) int64 {
	t.Helper()
	cb := &models.Callback{ReceivedAt: time.Now().UTC(), Provider: "oy", Kind: "va", Method: "POST", Path: "/callbacks/oy/va",
		Body: []byte(`{}`), Verified: true, DedupKey: time.Now().String(), Status: models.CallbackPending, Headers: "{}"}
	if err := s.db.Write.Create(cb).Error; err != nil {
		t.Fatal(err)
	}
	return cb.ID
}

func applyMove(t *testing.T, s *Store, m VAPaymentMove) bool {
	t.Helper()
	var changed bool
	err := s.db.Write.Transaction(func(tx *gorm.DB) error {
		var err error
		changed, err = m.applyIn(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return changed
}

// OY's history may list a payment before its callback is processed: the
// callback then completes that payment instead of adding a second one,
// and the same callback again changes nothing.
func TestVAPaymentFromHistoryThenCallbackIsOnePayment(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	v := stageVA(t, s)
	paid := time.Date(2026, 12, 1, 3, 4, 5, 0, time.UTC)
	if n, err := s.MergeVAHistory(ctx, v.ID, []HistoryEntry{{TrxID: "h-1", PaidAt: paid, Amount: 75_000, AdminFee: 1000}}); err != nil || n != 1 {
		t.Fatalf("history: %d %v", n, err)
	}
	cbID := stageCallback(t, s)
	conf := *v
	conf.Status, conf.AmountDetected = models.VAPaymentDetected, 75_000
	m := VAPaymentMove{VAID: v.ID, Confirmed: conf, Payment: models.VAPayment{DedupKey: "cb:x:1", PaidAt: paid.Add(40 * time.Second),
		Amount: 75_000, CallbackID: &cbID, Source: "callback"}}
	if !applyMove(t, s, m) {
		t.Fatal("the callback changed nothing")
	}
	if applyMove(t, s, m) {
		t.Fatal("the same callback applied twice")
	}
	pays, err := s.VAPayments(ctx, v.ID)
	if err != nil || len(pays) != 1 || pays[0].CallbackID == nil || *pays[0].CallbackID != cbID || pays[0].OYTrxID != "h-1" || *pays[0].AdminFee != 1000 {
		t.Fatalf("payments %+v %v", pays, err)
	}
	got, _ := s.VirtualAccountByID(ctx, v.ID)
	if got.Status != models.VAPaymentDetected || got.AmountDetected != 75_000 {
		t.Fatalf("VA %+v", got)
	}
	// History read again: nothing new.
	if n, err := s.MergeVAHistory(ctx, v.ID, []HistoryEntry{{TrxID: "h-1", PaidAt: paid, Amount: 75_000, AdminFee: 1000}}); err != nil || n != 0 {
		t.Fatalf("history again: %d %v", n, err)
	}
}

// The sync's view of a VA never takes a stored one backwards, and never
// makes a second row for the same OY id.
func TestVAUpsertNeverBackwardsNeverTwice(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	v := stageVA(t, s)
	done := *v
	done.Status, done.AmountDetected = models.VAComplete, 50_000
	if _, err := s.UpsertVA(ctx, &done); err != nil {
		t.Fatal(err)
	}
	old := *v
	old.ID, old.Status, old.AmountDetected = 0, models.VAWaitingPayment, 0
	if inserted, err := s.UpsertVA(ctx, &old); err != nil || inserted {
		t.Fatalf("second row: %v %v", inserted, err)
	}
	got, _ := s.VirtualAccountByID(ctx, v.ID)
	if got.Status != models.VAComplete || got.AmountDetected != 50_000 {
		t.Fatalf("moved backwards: %+v", got)
	}
	if tot, err := s.VATotals(ctx, VAFilter{}); err != nil || tot.Count != 1 || tot.Sum != 50_000 {
		t.Fatalf("totals %+v %v", tot, err)
	}
	// An open VA past its time is expired by the clock, once.
	past := *v
	past.OYID, past.VANumber = "oy-2", "9002000000000002"
	exp := time.Now().UTC().Add(-time.Minute)
	past.ExpiresAt, past.Status, past.AmountDetected = &exp, models.VAWaitingPayment, 0
	if _, err := s.UpsertVA(ctx, &past); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ExpireVAs(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("expired %d %v", n, err)
	}
	if n, _ := s.ExpireVAs(ctx, time.Now()); n != 0 {
		t.Fatalf("expired again: %d", n)
	}
	page, err := s.ListVAs(ctx, VAFilter{Status: models.VAExpired}, 10)
	if err != nil || len(page.Items) != 1 || page.Items[0].VANumber != "9002000000000002" {
		t.Fatalf("expired list %+v %v", page.Items, err)
	}
	spaced, err := s.ListVAs(ctx, VAFilter{Q: "9002 0000 0000 0002"}, 10)
	if err != nil || len(spaced.Items) != 1 {
		t.Fatalf("number typed with spaces: %+v %v", spaced.Items, err)
	}
}
