package models

import (
	"errors"
	"testing"
	"time"
)

func TestTopupApprovalsNeeded(t *testing.T) {
	for _, c := range []struct {
		total, above int64
		want         int
	}{{51_300, 0, 0}, {1_000_000, 1_000_000, 0}, {1_000_001, 1_000_000, 1}} {
		if got := TopupApprovalsNeeded(c.total, c.above); got != c.want {
			t.Errorf("TopupApprovalsNeeded(%d, %d) = %d, want %d", c.total, c.above, got, c.want)
		}
	}
}

func TestTopupMakerChecker(t *testing.T) {
	maker, other := &User{ID: 1, Email: "m@example.com"}, &User{ID: 2, Email: "o@example.com"}
	w := Topup{ID: 3, Status: TopupWaitingApproval, MakerID: 1, ApprovalsNeeded: 1}
	if _, err := w.Decide(maker, true, "", 1); !errors.Is(err, ErrMakerCannotApprove) {
		t.Errorf("maker approving: %v", err)
	}
	eff, err := w.Decide(other, true, "", 1)
	if err != nil || eff.To != TopupPaying || !eff.Pay {
		t.Errorf("approval: %+v %v", eff, err)
	}
	eff, err = w.Decide(other, false, "wrong number", 0)
	if err != nil || eff.To != TopupRejected || eff.Pay || eff.Message != "rejected by o@example.com: wrong number" {
		t.Errorf("rejection: %+v %v", eff, err)
	}
	paid := w
	paid.Status = TopupPaying
	if _, err := paid.Decide(other, true, "", 1); !errors.Is(err, ErrDecisionConflict) {
		t.Errorf("deciding a paid top-up: %v", err)
	}
}

func TestTopupNeverMovesBackwards(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	next := at.Add(time.Hour)
	tp := Topup{ID: 1, Status: TopupUnknown}
	tp, ev, moved := tp.Observe(TopupObservation{To: TopupPending, Code: "299", Source: "poll", NextPollAt: &next}, at)
	if !moved || ev == nil || tp.Status != TopupPending || tp.NextPollAt == nil {
		t.Fatalf("unknown → pending: %+v", tp)
	}
	tp, _, moved = tp.Observe(TopupObservation{To: TopupSuccess, Code: "0", SerialNumber: "SN1", Source: "callback"}, at)
	if !moved || tp.Status != TopupSuccess || tp.FinalAt == nil || tp.NextPollAt != nil || tp.SerialNumber != "SN1" {
		t.Fatalf("pending → success: %+v", tp)
	}
	late, ev, moved := tp.Observe(TopupObservation{To: TopupPending, Code: "299", Source: "callback", Message: "late"}, at)
	if moved || late.Status != TopupSuccess || late.Code != "0" || ev == nil || ev.ToStatus != TopupSuccess {
		t.Errorf("late pending after success: %+v %+v", late, ev)
	}
	same, ev, moved := tp.Observe(TopupObservation{To: TopupSuccess, Code: "0", Source: "callback"}, at)
	if moved || ev != nil || same.Status != TopupSuccess {
		t.Errorf("same success again: moved %v event %+v", moved, ev)
	}
	if TopupPending.CanMoveTo(TopupUnknown) || !TopupPending.CanMoveTo(TopupFailing) || !TopupFailing.CanMoveTo(TopupSuccess) {
		t.Error("stage order")
	}
}
