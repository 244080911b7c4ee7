package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"backoffice/internal/models"
)

// approvedBatch makes a batch of three small rows, submitted and approved
// by one approver, ready for the job to send.
func approvedBatch(t *testing.T, s *Store) (*models.DisbursementBatch, []models.Disbursement) {
	t.Helper()
	ctx := context.Background()
	maker := &models.User{Email: "maker@example.co.id", Name: "Maker", Role: models.RoleFinance, PasswordHash: "x"}
	approver := &models.User{Email: "approver@example.co.id", Name: "Approver", Role: models.RoleAdmin, PasswordHash: "x"}
	for _, u := range []*models.User{maker, approver} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	b := &models.DisbursementBatch{FileName: "f.csv", File: []byte("x"), MakerID: maker.ID, MakerEmail: maker.Email}
	rows := []models.BatchRow{{Line: 1, RecipientBank: "014", RecipientAccount: "1", AmountText: "10000"},
		{Line: 2, RecipientBank: "014", RecipientAccount: "2", AmountText: "20000"}, {Line: 3, RecipientBank: "014", RecipientAccount: "3", AmountText: "30000"}}
	if err := s.CreateBatch(ctx, b, rows, &models.AuditEntry{Action: "batch.upload"}); err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i].Amount, rows[i].RecipientName = int64(10000*(i+1)), "Holder"
	}
	if err := s.SaveCheckedRows(ctx, b.ID, rows); err != nil {
		t.Fatal(err)
	}
	n := 0
	ref := func(time.Time) string { n++; return "REF-" + string(rune('A'+n)) }
	if _, err := s.SubmitBatch(ctx, b.ID, maker, ref, &models.AuditEntry{Action: "batch.submit"}); err != nil {
		t.Fatal(err)
	}
	res, err := s.DecideBatch(ctx, b.ID, approver, true, &models.AuditEntry{Action: "batch.approve"})
	if err != nil || !res.Complete || res.Needed != 1 {
		t.Fatalf("approve: %+v %v", res, err)
	}
	waiting, err := s.WaitingInBatch(ctx, b.ID, 10)
	if err != nil || len(waiting) != 3 {
		t.Fatalf("waiting rows: %d %v", len(waiting), err)
	}
	b, _ = s.BatchByID(ctx, b.ID)
	return b, waiting
}

// One row's outcome, one count, one transaction: claiming a row twice
// counts it once, a failed claim counts nothing, and the count read back
// (as after a restart) is exactly the rows claimed.
func TestBatchSentCountIsExactPerClaimedRow(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	b, rows := approvedBatch(t, s)
	if b.Status != models.BatchApproving {
		t.Fatalf("batch %s", b.Status)
	}
	claim := func(ctx context.Context, id int64) (bool, error) {
		return s.ClaimBatchRow(ctx, b.ID, id, &models.AuditEntry{Action: "disbursement.approve"})
	}
	if ok, err := claim(ctx, rows[0].ID); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if ok, err := claim(ctx, rows[0].ID); ok || err != nil {
		t.Fatalf("second claim of the same row: %v %v", ok, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := claim(cancelled, rows[1].ID); err == nil {
		t.Fatal("a claim with a cancelled context succeeded")
	}
	got, _ := s.BatchByID(ctx, b.ID)
	if got.SentRows != 1 {
		t.Fatalf("sent count %d after one claimed row, want 1", got.SentRows)
	}
	d, _ := s.DisbursementByID(ctx, rows[1].ID)
	if d.Status != models.DisbWaitingApproval {
		t.Fatalf("the failed claim moved the row: %s", d.Status)
	}
	for _, r := range rows[1:] {
		if ok, err := claim(ctx, r.ID); !ok || err != nil {
			t.Fatalf("claim %d: %v %v", r.ID, ok, err)
		}
	}
	if err := s.FinishBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = s.BatchByID(ctx, b.ID)
	if got.SentRows != 3 || got.Status != models.BatchDone {
		t.Fatalf("after every row: %d sent, %s", got.SentRows, got.Status)
	}
	hist, _ := s.DisbursementHistory(ctx, rows[0].ID)
	if len(hist.Approvals) != 1 || hist.Approvals[0].UserEmail != "approver@example.co.id" {
		t.Fatalf("the row does not carry the batch's approval: %+v", hist.Approvals)
	}
}

// A row of a batch is approved with its batch, never on its own.
func TestABatchRowIsNotApprovedOnItsOwn(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	b, rows := approvedBatch(t, s)
	other := &models.User{Email: "third@example.co.id", Name: "Third", Role: models.RoleFinance, PasswordHash: "x"}
	if err := s.CreateUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	_, err := s.Decide(ctx, rows[0].ID, Decision{User: other, Approve: true}, &models.AuditEntry{Action: "disbursement.approve"})
	if !errors.Is(err, ErrPartOfBatch) {
		t.Fatalf("approving batch %d's row alone: %v", b.ID, err)
	}
}
