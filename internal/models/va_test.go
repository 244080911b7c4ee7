package models

import (
	"testing"
	"time"
)

func TestVAStatusNeverMovesBackwards(t *testing.T) {
	cases := []struct {
		from, to VAStatus
		ok       bool
	}{
		{VAWaitingPayment, VAPaymentDetected, true},
		{VAWaitingPayment, VAComplete, true},
		{VAPaymentDetected, VAExpired, true},
		{VAPaymentDetected, VAWaitingPayment, false},
		{VAComplete, VAPaymentDetected, false},
		{VAExpired, VAWaitingPayment, false},
		{VAExpired, VAComplete, false},
		{VAWaitingPayment, "BOGUS", false},
	}
	for _, c := range cases {
		if got := c.from.CanMoveTo(c.to); got != c.ok {
			t.Errorf("%s → %s: %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}

func TestVAObserveKeepsTheNewerState(t *testing.T) {
	v := VirtualAccount{Status: VAPaymentDetected, AmountDetected: 50_000, Amount: 10_000, IsOpen: true}
	if v.Observe(&VirtualAccount{Status: VAWaitingPayment, AmountDetected: 0, Amount: 10_000, IsOpen: true}) {
		t.Fatal("an older view changed the VA")
	}
	if v.Status != VAPaymentDetected || v.AmountDetected != 50_000 {
		t.Fatalf("moved backwards: %+v", v)
	}
	if !v.Observe(&VirtualAccount{Status: VAComplete, AmountDetected: 60_000, Amount: 10_000, IsOpen: true}) || v.Status != VAComplete || v.AmountDetected != 60_000 {
		t.Fatalf("newer view not taken: %+v", v)
	}
	// A closed VA keeps what it had.
	if v.Observe(&VirtualAccount{Status: VAComplete, AmountDetected: 60_000, Amount: 99_000}) || v.Amount != 10_000 {
		t.Fatalf("final VA changed: %+v", v)
	}
}

func TestVAStatusAtExpiresByTime(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	v := VirtualAccount{Status: VAWaitingPayment, ExpiresAt: &at}
	if v.StatusAt(at.Add(-time.Second)) != VAWaitingPayment || v.StatusAt(at) != VAExpired {
		t.Fatal("expiry by time")
	}
	if v.WhyNoUpdate(at).IsZero() || !v.WhyNoUpdate(at.Add(-time.Minute)).IsZero() {
		t.Fatal("update allowed on an expired VA or refused on an open one")
	}
	v.IsLifetime = true
	if v.StatusAt(at.Add(time.Hour)) != VAWaitingPayment {
		t.Fatal("a lifetime VA expired")
	}
	done := VirtualAccount{Status: VAComplete, ExpiresAt: &at}
	if done.StatusAt(at.Add(time.Hour)) != VAComplete {
		t.Fatal("a complete VA turned expired")
	}
}

func TestMatchHistoryMergesTheCallbacksPayment(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	stored := []VAPayment{
		{ID: 1, Amount: 10_000, PaidAt: t0},
		{ID: 2, Amount: 10_000, PaidAt: t0.Add(10 * time.Minute)},
		{ID: 3, Amount: 20_000, PaidAt: t0, OYTrxID: "abc"},
	}
	if i := MatchHistory(stored, "abc", 20_000, t0); i != 2 {
		t.Fatalf("by id: %d", i)
	}
	if i := MatchHistory(stored, "new", 10_000, t0.Add(9*time.Minute+30*time.Second)); i != 1 {
		t.Fatalf("nearest in time: %d", i)
	}
	if i := MatchHistory(stored, "new", 10_000, t0.Add(5*time.Minute)); i != -1 {
		t.Fatalf("outside the window: %d", i)
	}
	if i := MatchHistory(stored, "new", 15_000, t0); i != -1 {
		t.Fatalf("other amount: %d", i)
	}
}
