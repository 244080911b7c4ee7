package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"backoffice/internal/models"
)

// Approvers deciding at the same moment, as they can on PostgreSQL where
// writers run side by side: of many approvers of a one-approval transfer
// exactly one claims it (only its caller sends the remit) and every other
// is told someone decided first; of two approvers of a two-approval
// transfer, the second approval always sees the first, so it goes to
// sending, claimed once, and never stays waiting with both approvals in.
func TestRacingApprovalsClaimATransferOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	users := make([]*models.User, 8)
	for i := range users {
		users[i] = &models.User{Email: fmt.Sprintf("r%d@example.com", i), Name: "R", Role: models.RoleFinance, PasswordHash: "x"}
		if err := s.CreateUser(ctx, users[i]); err != nil {
			t.Fatal(err)
		}
	}
	race := func(d *models.Disbursement, approvers []*models.User) (claims int, errs []error) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, u := range approvers {
			wg.Go(func() {
				<-start
				res, err := s.Decide(ctx, d.ID, Decision{User: u, Approve: true}, &models.AuditEntry{Action: "disbursement.approve"})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else if res.Claimed {
					claims++
				}
			})
		}
		close(start)
		wg.Wait()
		return claims, errs
	}
	for round := range 5 {
		// A maker of the round's own (a draft's key is the maker's and the approvals').
		maker := &models.User{Email: fmt.Sprintf("maker%d@example.com", round), Name: "M", Role: models.RoleFinance, PasswordHash: "x"}
		if err := s.CreateUser(ctx, maker); err != nil {
			t.Fatal(err)
		}
		// One approval needed, eight approvers at once.
		if err := s.PutSetting(ctx, models.SettingDualApprovalAbove, "1000000", &models.AuditEntry{Action: "settings.update"}); err != nil {
			t.Fatal(err)
		}
		d := newDisbursement(t, s, maker, 1)
		claims, errs := race(d, users)
		if claims != 1 {
			t.Fatalf("round %d: %d approvers claimed a one-approval transfer, want 1", round, claims)
		}
		for _, err := range errs {
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("round %d: a late approver got %v, want the decided-first refusal", round, err)
			}
		}
		if len(errs) != len(users)-1 {
			t.Fatalf("round %d: %d refusals for %d late approvers", round, len(errs), len(users)-1)
		}
		got, err := s.DisbursementByID(ctx, d.ID)
		if err != nil || got.Status != models.DisbSending {
			t.Fatalf("round %d: transfer %+v %v, want sending", round, got, err)
		}

		// Two approvals needed (Rp 150.000 is above the threshold), two approvers at once.
		if err := s.PutSetting(ctx, models.SettingDualApprovalAbove, "100000", &models.AuditEntry{Action: "settings.update"}); err != nil {
			t.Fatal(err)
		}
		d = newDisbursement(t, s, maker, 2)
		claims, errs = race(d, users[:2])
		if claims != 1 || len(errs) != 0 {
			t.Fatalf("round %d: two approvers of a two-approval transfer: %d claims, errors %v; want 1 claim, none", round, claims, errs)
		}
		got, err = s.DisbursementByID(ctx, d.ID)
		if err != nil || got.Status != models.DisbSending {
			t.Fatalf("round %d: transfer %+v %v, want sending after two approvals", round, got, err)
		}
	}
}

// Two confirmations of one draft at once (a double click) make one
// transfer; both callers get it.
func TestRacingDraftConfirmationsMakeOneTransfer(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	maker := &models.User{Email: "m@example.com", Name: "M", Role: models.RoleFinance, PasswordHash: "x"}
	if err := s.CreateUser(ctx, maker); err != nil {
		t.Fatal(err)
	}
	draft := &models.DisbursementDraft{Key: "double-click", UserID: maker.ID, RecipientBank: "014", RecipientAccount: "0123456789",
		RecipientName: "Budi", Amount: 150_000, PartnerTrxID: "BO-DOUBLE"}
	if err := s.CreateDraft(ctx, draft); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[int64]int{}
	created := 0
	for range 6 {
		wg.Go(func() {
			d, c, err := s.ConfirmDraft(ctx, draft, maker, 1, &models.AuditEntry{Action: "disbursement.create"})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			ids[d.ID]++
			if c {
				created++
			}
		})
	}
	wg.Wait()
	if len(ids) != 1 || created != 1 {
		t.Fatalf("six confirmations made transfers %v, %d created; want one", ids, created)
	}
}

// Two admins taking each other's admin powers at once: one wins, the other
// is refused as the last admin; there is always an active admin.
func TestRacingAdminRemovalsKeepAnAdmin(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for round := range 5 {
		admins := make([]*models.User, 2)
		for i := range admins {
			admins[i] = &models.User{Email: fmt.Sprintf("a%d-%d@example.com", round, i), Name: "A", Role: models.RoleAdmin, PasswordHash: "x"}
			if err := s.CreateUser(ctx, admins[i]); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		yes := true
		for i, a := range admins {
			wg.Go(func() {
				errs[i] = s.UpdateUser(ctx, a.ID, UserChange{Disabled: &yes}, &models.AuditEntry{Action: "user.disable"})
			})
		}
		wg.Wait()
		refused := 0
		for _, err := range errs {
			if errors.Is(err, ErrLastAdmin) {
				refused++
			} else if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if refused != 1 {
			t.Fatalf("round %d: %d of two removals refused, want 1 (errors %v)", round, refused, errs)
		}
		if n, err := s.CountActiveAdmins(ctx); err != nil || n != 1 {
			t.Fatalf("round %d: %d active admins, %v", round, n, err)
		}
		// Leave no admin behind for the next round's pair to lean on.
		if err := s.db.Write.Exec("UPDATE users SET role = 'auditor' WHERE role = 'admin'").Error; err != nil {
			t.Fatal(err)
		}
	}
}
