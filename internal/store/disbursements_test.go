package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/mattn/go-sqlite3"

	"backoffice/internal/models"
)

func TestUniqueViolationIsRecognisedByCode(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	u := &models.User{Email: "siti@example.co.id", Name: "Siti", Role: models.RoleAdmin, PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	again := &models.User{Email: "siti@example.co.id", Name: "Siti", Role: models.RoleAdmin, PasswordHash: "x"}
	if err := s.CreateUser(ctx, again); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second user with the same email: %v", err)
	}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("wrapped: %w", sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintUnique}), true},
		{sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintPrimaryKey}, true},
		{sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintNotNull}, false},
		{errors.New("UNIQUE constraint failed: users.email"), false}, // words alone are not a code
		{nil, false},
	} {
		if got := isUniqueViolation(c.err); got != c.want {
			t.Errorf("isUniqueViolation(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func newDisbursement(t *testing.T, s *Store, maker *models.User, approvals int) *models.Disbursement {
	t.Helper()
	draft := &models.DisbursementDraft{Key: fmt.Sprintf("k%d-%d", maker.ID, approvals), UserID: maker.ID, RecipientBank: "014", RecipientAccount: "0123456789",
		RecipientName: "Budi", Amount: 150_000, PartnerTrxID: fmt.Sprintf("BO-%d-%d", maker.ID, approvals)}
	if err := s.CreateDraft(context.Background(), draft); err != nil {
		t.Fatal(err)
	}
	d, _, err := s.ConfirmDraft(context.Background(), draft, maker, approvals, &models.AuditEntry{Action: "disbursement.create"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDecideRunsTheRulesInOneTransaction(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	users := make([]*models.User, 3)
	for i := range users {
		users[i] = &models.User{Email: fmt.Sprintf("u%d@example.com", i), Name: "U", Role: models.RoleFinance, PasswordHash: "x"}
		if err := s.CreateUser(ctx, users[i]); err != nil {
			t.Fatal(err)
		}
	}
	// The threshold in force at approval decides: Rp 150.000 is above it.
	if err := s.PutSetting(ctx, models.SettingDualApprovalAbove, "100000", &models.AuditEntry{Action: "settings.update"}); err != nil {
		t.Fatal(err)
	}
	d := newDisbursement(t, s, users[0], 2)
	audit := func() *models.AuditEntry { return &models.AuditEntry{Action: "disbursement.approve"} }
	if _, err := s.Decide(ctx, d.ID, Decision{User: users[0], Approve: true}, audit()); !errors.Is(err, ErrMakerCannotApprove) {
		t.Fatalf("maker approved: %v", err)
	}
	res, err := s.Decide(ctx, d.ID, Decision{User: users[1], Approve: true}, audit())
	if err != nil || res.Claimed || res.Disbursement.Status != models.DisbWaitingApproval {
		t.Fatalf("first approval: %+v %v", res, err)
	}
	if _, err := s.Decide(ctx, d.ID, Decision{User: users[1], Approve: true}, audit()); !errors.Is(err, ErrAlreadyDecided) {
		t.Fatalf("same approver twice: %v", err)
	}
	res, err = s.Decide(ctx, d.ID, Decision{User: users[2], Approve: true}, audit())
	if err != nil || !res.Claimed || res.Disbursement.Status != models.DisbSending {
		t.Fatalf("second approval: %+v %v", res, err)
	}
	got, err := s.DisbursementByID(ctx, d.ID)
	if err != nil || got.Status != models.DisbSending || got.SentAt == nil || got.NextPollAt == nil {
		t.Fatalf("after the second approval: %+v %v", got, err)
	}
}

// A processed callback's record change commits with its bookkeeping, and a
// change that would go backwards ends as "no change".
func TestCallbackRecordChangeCommitsWithItsBookkeeping(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	maker := &models.User{Email: "m@example.com", Name: "M", Role: models.RoleFinance, PasswordHash: "x"}
	if err := s.CreateUser(ctx, maker); err != nil {
		t.Fatal(err)
	}
	d := newDisbursement(t, s, maker, 1)
	w, err := s.NewCallbackWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var ids []int64
	for i := range 2 {
		cb := &models.Callback{Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement", Verified: true,
			DedupKey: fmt.Sprint("k", i), Status: models.CallbackPending, ReceivedAt: now()}
		if err := w.Write(ctx, cb, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cb.ID)
	}
	move := func(cbID int64, to models.DisbursementStatus) ProcessResult {
		return ProcessResult{CallbackID: cbID, Outcome: models.CallbackApplied, RecordType: "disbursement", RecordID: fmt.Sprint(d.ID),
			Change: DisbursementMove{ID: d.ID, Change: StatusChange{To: to, Code: "000", Source: "callback", CallbackID: &cbID}}}
	}
	// Straight from waiting approval to success is allowed by rank; what matters here is the pairing.
	if err := s.FinishCallbacks(ctx, []ProcessResult{move(ids[0], models.DisbSuccess), move(ids[1], models.DisbInProgress)}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.DisbursementByID(ctx, d.ID)
	if got.Status != models.DisbSuccess {
		t.Fatalf("disbursement %s, want success", got.Status)
	}
	for i, want := range []models.CallbackStatus{models.CallbackApplied, models.CallbackNoChange} {
		cb, err := s.CallbackByID(ctx, ids[i])
		if err != nil || cb.Status != want {
			t.Errorf("callback %d: %v %v, want %s", ids[i], cb.Status, err, want)
		}
	}
}
