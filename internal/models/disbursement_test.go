package models

import "testing"

func TestDisbursementsNeverMoveBackwards(t *testing.T) {
	cases := []struct {
		from, to DisbursementStatus
		ok       bool
	}{
		{DisbWaitingApproval, DisbSending, true},
		{DisbWaitingApproval, DisbRejected, true},
		{DisbSending, DisbUnknown, true},
		{DisbUnknown, DisbInProgress, true},
		{DisbInProgress, DisbPending, true},
		{DisbPending, DisbInProgress, true},
		{DisbInProgress, DisbSuccess, true},
		{DisbUnknown, DisbFailed, true},
		{DisbSuccess, DisbInProgress, false}, // a late "pending" after success
		{DisbSuccess, DisbFailed, false},
		{DisbFailed, DisbSuccess, false},
		{DisbRejected, DisbSending, false},
		{DisbInProgress, DisbUnknown, false},
		{DisbInProgress, DisbWaitingApproval, false},
		{DisbSending, DisbSending, false},
		{DisbSending, DisbursementStatus("bogus"), false},
	}
	for _, c := range cases {
		if got := c.from.CanMoveTo(c.to); got != c.ok {
			t.Errorf("%s → %s: %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}
