package models

import (
	"errors"
	"testing"
)

func TestNamesMatchIgnoresCasePunctuationAndOrder(t *testing.T) {
	for _, c := range []struct {
		file, bank string
		want       bool
	}{
		{"budi santoso", "BUDI SANTOSO", true},
		{"PT. Sumber Makmur", "SUMBER MAKMUR PT", true},
		{"Budi  Santoso ", "Budi Santoso", true},
		{"Budi Santosa", "Budi Santoso", false},
		{"Siti", "Siti Rahayu", false},
	} {
		if got := NamesMatch(c.file, c.bank); got != c.want {
			t.Errorf("NamesMatch(%q, %q) = %v, want %v", c.file, c.bank, got, c.want)
		}
	}
}

// A batch counts its total: rows each below the threshold can together
// need two approvals.
func TestDecideBatchApprovalCountsTheTotal(t *testing.T) {
	for _, c := range []struct {
		total     int64
		approvals int
		above     int64
		want      BatchDecision
	}{
		{60_000_000, 1, 50_000_000, BatchDecision{Needed: 2}},
		{60_000_000, 2, 50_000_000, BatchDecision{Needed: 2, Complete: true}},
		{50_000_000, 1, 50_000_000, BatchDecision{Needed: 1, Complete: true}},
		{60_000_000, 1, 0, BatchDecision{Needed: 1, Complete: true}},
	} {
		if got := DecideBatchApproval(c.total, c.approvals, c.above); got != c.want {
			t.Errorf("DecideBatchApproval(%d, %d, %d) = %+v, want %+v", c.total, c.approvals, c.above, got, c.want)
		}
	}
}

func TestEligibleApproversAndWithdrawal(t *testing.T) {
	users := []User{
		{ID: 1, Role: RoleFinance, TOTPSecret: "s"},               // the maker
		{ID: 2, Role: RoleAdmin, TOTPSecret: "s"},                 // approved already
		{ID: 3, Role: RoleFinance, TOTPSecret: "s"},               // may approve
		{ID: 4, Role: RoleAuditor, TOTPSecret: "s"},               // auditors never approve
		{ID: 5, Role: RoleFinance},                                // no second factor
		{ID: 6, Role: RoleAdmin, TOTPSecret: "s", Disabled: true}, // disabled
	}
	got := EligibleApprovers(users, 1, map[int64]bool{2: true})
	if len(got) != 1 || got[0].ID != 3 {
		t.Fatalf("eligible: %+v", got)
	}
	st := ApprovalState{Needed: 2, Have: 1, Eligible: got}
	if st.Missing() != 1 {
		t.Fatalf("missing %d", st.Missing())
	}
	if err := MayWithdraw(true, 1, &users[0]); err != nil {
		t.Fatalf("the maker withdrawing: %v", err)
	}
	if err := MayWithdraw(true, 1, &users[2]); !errors.Is(err, ErrNotTheMaker) {
		t.Fatalf("someone else withdrawing: %v", err)
	}
	if err := MayWithdraw(false, 1, &users[0]); !errors.Is(err, ErrDecisionConflict) {
		t.Fatalf("withdrawing what no longer waits: %v", err)
	}
	if !DisbWaitingApproval.CanMoveTo(DisbWithdrawn) || !DisbWithdrawn.Final() {
		t.Fatal("withdrawn is not a final state reachable from waiting")
	}
}
