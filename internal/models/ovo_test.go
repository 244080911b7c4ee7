package models

import "testing"

func TestOVOPaymentNeverMovesBackwards(t *testing.T) {
	for _, tc := range []struct {
		from, to OVOPaymentStatus
		ok       bool
	}{
		{OVOPaySending, OVOPayPending, true},
		{OVOPayUnknown, OVOPayPaid, true},
		{OVOPayPending, OVOPayPaid, true},
		{OVOPayTokenExpired, OVOPayPending, true},
		{OVOPayPaid, OVOPayPending, false},
		{OVOPayPaid, OVOPayFailed, false},
		{OVOPayPaid, OVOPayPaid, false},
		{OVOPayPaid, OVOPayReversed, true},
		{OVOPayFailed, OVOPayPaid, false},
		{OVOPayPending, OVOPayUnknown, false},
	} {
		if got := tc.from.CanMoveTo(tc.to); got != tc.ok {
			t.Errorf("%s → %s: %v, want %v", tc.from, tc.to, got, tc.ok)
		}
	}
}

func TestOVOAccountStates(t *testing.T) {
	for _, tc := range []struct {
		from, to OVOAccountState
		ok       bool
	}{
		{OVOPending, OVOLinked, true},
		{OVOPending, OVOFailed, true},
		{OVOLinked, OVOFailed, false},
		{OVOLinked, OVOUnlinked, true},
		{OVOUnlinked, OVOLinked, false},
		{OVOFailed, OVOLinked, false},
	} {
		if got := tc.from.CanMoveTo(tc.to); got != tc.ok {
			t.Errorf("%s → %s: %v, want %v", tc.from, tc.to, got, tc.ok)
		}
	}
	a := OVOAccount{State: OVOPending}
	if ok, why := a.BalanceReadable(); ok || why == "" {
		t.Error("pending account: balance readable")
	}
}
