package models

import (
	"errors"
	"strings"
	"testing"
)

func TestChangeRequestRules(t *testing.T) {
	asker := &User{ID: 1, Email: "a@x.co.id", Role: RoleAdmin}
	other := &User{ID: 2, Email: "b@x.co.id", Role: RoleAdmin}
	fin := &User{ID: 3, Email: "f@x.co.id", Role: RoleFinance}
	gone := &User{ID: 1, Email: "a@x.co.id", Role: RoleAdmin, Disabled: true}
	pending := ChangeRequest{Status: ChangePending, RequestedByID: 1, RequestedByEmail: "a@x.co.id"}
	closed := pending
	closed.Status = ChangeRejected
	cases := []struct {
		name string
		err  error
		want string // "" allowed, else a word of the refusal
	}{
		{"another admin approves", pending.MayApprove(other, asker), ""},
		{"the asker approves", pending.MayApprove(asker, asker), "different admin"},
		{"finance approves", pending.MayApprove(fin, asker), "Only an admin"},
		{"disabled admin approves", pending.MayApprove(&User{ID: 2, Role: RoleAdmin, Disabled: true}, asker), "Only an admin"},
		{"asker since disabled", pending.MayApprove(other, gone), "no longer an active admin"},
		{"asker since deleted", pending.MayApprove(other, nil), "no longer an active admin"},
		{"approve a closed one", closed.MayApprove(other, asker), "already closed"},
		{"another admin rejects", pending.MayReject(other), ""},
		{"the asker rejects", pending.MayReject(asker), "withdraw"},
		{"the asker withdraws", pending.MayWithdraw(asker), ""},
		{"another admin withdraws", pending.MayWithdraw(other), "Only a@x.co.id"},
		{"withdraw a closed one", closed.MayWithdraw(asker), "already closed"},
	}
	for _, c := range cases {
		var refused *ChangeRefused
		switch {
		case c.want == "" && c.err != nil:
			t.Errorf("%s: refused: %v", c.name, c.err)
		case c.want != "" && (!errors.As(c.err, &refused) || !strings.Contains(refused.Reason, c.want)):
			t.Errorf("%s: got %v, want a refusal saying %q", c.name, c.err, c.want)
		}
	}
}

func TestChangeStillApplies(t *testing.T) {
	f := &User{Name: "Siti", Role: RoleFinance, TOTPSecret: "sealed"}
	cases := []struct {
		name    string
		r       ChangeRequest
		u       *User
		setting string
		ok      bool
	}{
		{"role as asked", ChangeRequest{Kind: ChangeUserRole, Before: "finance"}, f, "", true},
		{"role moved since", ChangeRequest{Kind: ChangeUserRole, Before: "auditor"}, f, "", false},
		{"person gone", ChangeRequest{Kind: ChangeUserRole, Before: "finance"}, nil, "", false},
		{"enable an active person", ChangeRequest{Kind: ChangeUserEnable}, f, "", false},
		{"enable a disabled person", ChangeRequest{Kind: ChangeUserEnable}, &User{Disabled: true}, "", true},
		{"reset a second factor", ChangeRequest{Kind: ChangeUserSecondFactor}, f, "", true},
		{"reset a missing second factor", ChangeRequest{Kind: ChangeUserSecondFactor}, &User{}, "", false},
		{"threshold as asked", ChangeRequest{Kind: ChangeDualApproval, Before: "0"}, nil, "0", true},
		{"threshold moved since", ChangeRequest{Kind: ChangeDualApproval, Before: "0"}, nil, "5000000", false},
		{"add a person", ChangeRequest{Kind: ChangeUserCreate}, nil, "", true},
	}
	for _, c := range cases {
		if err := c.r.StillApplies(c.u, c.setting); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestKeepsAnAdminAndFourEyes(t *testing.T) {
	admin := &User{Role: RoleAdmin}
	if KeepsAnAdmin(admin, 0) || !KeepsAnAdmin(admin, 1) || !KeepsAnAdmin(&User{Role: RoleFinance}, 0) || !KeepsAnAdmin(&User{Role: RoleAdmin, Disabled: true}, 0) {
		t.Fatal("KeepsAnAdmin")
	}
	if !NeedsFourEyes(RoleAdmin) || !NeedsFourEyes(RoleFinance) || NeedsFourEyes(RoleAuditor) {
		t.Fatal("NeedsFourEyes")
	}
}
