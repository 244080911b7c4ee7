package models

import (
	"testing"

	"backoffice/internal/i18n"
)

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
	if ok, why := a.BalanceReadable(); ok || why.IsZero() {
		t.Error("pending account: balance readable")
	}
}

// TestStatusWordsInBothLanguages: every state and status has its words in
// the catalogue; Label is the English of the same key.
func TestStatusWordsInBothLanguages(t *testing.T) {
	check := func(raw, key, label string) {
		t.Helper()
		if key == "" || !i18n.Has(i18n.EN, key) || !i18n.Has(i18n.ID, key) {
			t.Errorf("%s: key %q missing", raw, key)
		}
		if label != i18n.In(i18n.EN, key) || label == raw {
			t.Errorf("%s: Label %q is not the English of %q", raw, label, key)
		}
	}
	for _, s := range OVOAccountStates {
		check(string(s), s.LabelKey(), s.Label())
	}
	for s := range ovoPaymentKeys {
		check(string(s), s.LabelKey(), s.Label())
	}
	for _, s := range TopupStatuses {
		check(string(s), s.LabelKey(), s.Label())
	}
	if OVOAccountState("odd").Label() != "odd" || TopupStatus("odd").LabelKey() != "" {
		t.Error("an unknown state should show as stored")
	}
}
