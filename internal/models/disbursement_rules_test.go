package models

import (
	"errors"
	"testing"
	"time"
)

func TestApprovalsNeeded(t *testing.T) {
	for _, c := range []struct {
		amount, above int64
		want          int
	}{
		{5_000_000, 0, 1}, {5_000_000, 5_000_000, 1}, {5_000_001, 5_000_000, 2}, {1, 0, 1},
	} {
		if got := ApprovalsNeeded(c.amount, c.above); got != c.want {
			t.Errorf("ApprovalsNeeded(%d, %d) = %d, want %d", c.amount, c.above, got, c.want)
		}
	}
}

func TestMakerCheckerRules(t *testing.T) {
	maker := &User{ID: 1, Email: "maker@example.com"}
	first := &User{ID: 2, Email: "first@example.com"}
	waiting := Disbursement{ID: 9, Status: DisbWaitingApproval, MakerID: maker.ID, ApprovalsNeeded: 2}

	if _, err := waiting.Decide(maker, true, "", 1); !errors.Is(err, ErrMakerCannotApprove) {
		t.Errorf("maker approving own transfer: %v", err)
	}
	if _, err := waiting.Decide(maker, false, "", 0); !errors.Is(err, ErrMakerCannotApprove) {
		t.Errorf("maker rejecting own transfer: %v", err)
	}
	e, err := waiting.Decide(first, true, "", 1)
	if err != nil || e.Send || e.To != DisbWaitingApproval || e.Message != "approved by first@example.com (1 of 2)" {
		t.Errorf("first of two approvals: %+v %v", e, err)
	}
	e, err = waiting.Decide(first, true, "", 2)
	if err != nil || !e.Send || e.To != DisbSending {
		t.Errorf("second of two approvals: %+v %v", e, err)
	}
	e, err = waiting.Decide(first, false, "wrong account", 0)
	if err != nil || e.Send || e.To != DisbRejected || e.Message != "rejected by first@example.com: wrong account" {
		t.Errorf("rejection: %+v %v", e, err)
	}
	for _, st := range []DisbursementStatus{DisbSending, DisbSuccess, DisbRejected} {
		d := waiting
		d.Status = st
		if _, err := d.Decide(first, true, "", 2); !errors.Is(err, ErrDecisionConflict) {
			t.Errorf("decision on a %s transfer: %v", st, err)
		}
	}
}

func TestObserveNeverMovesBackwards(t *testing.T) {
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	later := at.Add(time.Minute)
	sent := Disbursement{ID: 7, Status: DisbUnknown, Polls: 2}

	next, ev, moved := sent.Observe(Observation{To: DisbInProgress, Code: "101", CodeText: "in progress", TrxID: "T1", Source: "poll", CountPoll: true, NextPollAt: &later}, at)
	if !moved || next.Status != DisbInProgress || next.Polls != 3 || next.TrxID != "T1" || next.OYCode != "101" || next.NextPollAt != &later || ev == nil || ev.ToStatus != DisbInProgress {
		t.Fatalf("unknown → in progress: %+v %+v %v", next, ev, moved)
	}
	done, ev, moved := next.Observe(Observation{To: DisbSuccess, Code: "000", TrxID: "T2", Source: "callback"}, at)
	if !moved || done.Status != DisbSuccess || done.FinalAt == nil || !done.FinalAt.Equal(at) || done.NextPollAt != nil || done.TrxID != "T1" || ev == nil {
		t.Fatalf("in progress → success: %+v %+v %v", done, ev, moved)
	}
	late, ev, moved := done.Observe(Observation{To: DisbInProgress, Code: "101", Source: "callback", Message: "callback said 101", NextPollAt: &later}, at)
	if moved || late.Status != DisbSuccess || late.OYCode != "000" || late.NextPollAt != nil {
		t.Fatalf("late in-progress after success changed the transfer: %+v %v", late, moved)
	}
	if ev == nil || ev.ToStatus != DisbSuccess || ev.Message != "callback said 101 (kept Success: a transfer never moves back)" {
		t.Fatalf("late callback's timeline line: %+v", ev)
	}
	same, ev, moved := next.Observe(Observation{To: DisbInProgress, Source: "poll", CountPoll: true, NextPollAt: &later}, at)
	if moved || ev != nil || same.Polls != 4 {
		t.Fatalf("a status check that found nothing new: %+v %+v %v", same, ev, moved)
	}
}
