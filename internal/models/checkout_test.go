package models

import "testing"

func TestCheckoutNeverMovesBackwards(t *testing.T) {
	cases := []struct {
		from, to CheckoutStatus
		ok       bool
	}{
		{CheckoutSending, CheckoutCreated, true},
		{CheckoutSending, CheckoutUnknown, true},
		{CheckoutUnknown, CheckoutCreated, true},
		{CheckoutCreated, CheckoutSending, false},
		{CheckoutCreated, CheckoutWaitingPayment, true},
		{CheckoutWaitingPayment, CheckoutExpiredVA, true}, // the customer may try again
		{CheckoutExpiredVA, CheckoutWaitingPayment, true},
		{CheckoutChargeFailed, CheckoutChargeInProgress, true},
		{CheckoutWaitingPayment, CheckoutCreated, false},
		{CheckoutCreated, CheckoutComplete, true},
		{CheckoutPaid, CheckoutDisburseInProgress, true},
		{CheckoutDisburseInProgress, CheckoutPaid, true},
		{CheckoutComplete, CheckoutPaid, false},
		{CheckoutPaid, CheckoutExpired, false}, // paid is never expired
		{CheckoutPaid, CheckoutClosed, false},
		{CheckoutPaid, CheckoutWaitingPayment, false},
		{CheckoutCreated, CheckoutClosed, true},
		{CheckoutClosed, CheckoutCreated, false},
		{CheckoutClosed, CheckoutComplete, true}, // money arrived after the delete
		{CheckoutExpired, CheckoutPaid, true},
		{CheckoutRefused, CheckoutComplete, false},
		{CheckoutComplete, CheckoutComplete, false},
		{CheckoutCreated, "bogus", false},
	}
	for _, c := range cases {
		if got := c.from.CanMoveTo(c.to); got != c.ok {
			t.Errorf("%s → %s: %v, want %v", c.from, c.to, got, c.ok)
		}
	}
	if !CheckoutCreated.Deletable() || CheckoutWaitingPayment.Deletable() || CheckoutComplete.Deletable() {
		t.Error("only an untouched link is deletable")
	}
}

func TestCheckoutStatusWordsFromOY(t *testing.T) {
	for word, want := range map[string]CheckoutStatus{"charge_sucess": CheckoutPaid, "CHARGE_SUCCESS": CheckoutPaid, "success": CheckoutPaid,
		"COMPLETE": CheckoutComplete, "failed": CheckoutChargeFailed, "CREATED": CheckoutCreated, "closed": CheckoutClosed} {
		if got, ok := CheckoutStatusFor(word); !ok || got != want {
			t.Errorf("%s: %s", word, got)
		}
	}
	if _, ok := CheckoutStatusFor("processing"); ok {
		t.Error("an unknown word is not guessed")
	}
}
