package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/internal/wib"
)

// stage writes a transfer in a given state through the test's own handle.
func (a *testApp) stage(n int, st models.DisbursementStatus, amount int64, created time.Time, final *time.Time) {
	a.t.Helper()
	maker := a.users[models.RoleFinance]
	d := &models.Disbursement{PartnerTrxID: fmt.Sprintf("STAGE-%d", n), RecipientBank: "014", RecipientAccount: fmt.Sprintf("99%08d", n),
		RecipientName: "Staged", Amount: amount, Status: st, MakerID: maker.ID, MakerEmail: maker.Email, ApprovalsNeeded: 1,
		CreatedAt: created.UTC(), UpdatedAt: created.UTC(), FinalAt: final}
	if err := a.db.Write.Create(d).Error; err != nil {
		a.t.Fatal(err)
	}
}

// "Disbursed today" counts what succeeded today (WIB), by when it
// succeeded; in flight and waiting are shown on their own.
func TestDisbursedTodayCountsSuccessByWhenItSucceeded(t *testing.T) {
	a := newTestApp(t)
	now := a.clock.Now().In(wib.Zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, wib.Zone)
	yesterday := today.Add(-3 * time.Hour)
	at := func(t time.Time) *time.Time { u := t.UTC(); return &u }
	n := 0
	add := func(st models.DisbursementStatus, amount int64, created time.Time, final *time.Time) {
		n++
		a.stage(n, st, amount, created, final)
	}
	// Succeeded today: made yesterday or today.
	add(models.DisbSuccess, 40_000_000, yesterday, at(today.Add(time.Minute)))
	add(models.DisbSuccess, 40_000_000, today.Add(time.Minute), at(today.Add(2*time.Minute)))
	// Succeeded yesterday: not today's.
	add(models.DisbSuccess, 7_000_000, yesterday, at(yesterday.Add(time.Minute)))
	// Made today, not (yet) succeeded: failed, rejected, withdrawn, waiting, in flight.
	add(models.DisbFailed, 60_000_000, today.Add(time.Minute), at(today.Add(3*time.Minute)))
	add(models.DisbRejected, 1_500_000, today.Add(time.Minute), at(today.Add(3*time.Minute)))
	add(models.DisbWithdrawn, 1_000_000, today.Add(time.Minute), at(today.Add(3*time.Minute)))
	add(models.DisbWaitingApproval, 2_000_000, today.Add(time.Minute), nil)
	add(models.DisbWaitingApproval, 3_000_000, yesterday, nil)
	add(models.DisbSending, 100_000, today.Add(time.Minute), nil)
	add(models.DisbUnknown, 200_000, today.Add(time.Minute), nil)
	add(models.DisbInProgress, 300_000, yesterday, nil)
	add(models.DisbPending, 400_000, today.Add(time.Minute), nil)

	p := a.signedIn(models.RoleFinance).get("/")
	for id, want := range map[string]string{
		"today-sum":        "Rp 80.000.000",
		"today-count":      "2",
		"figure-succeeded": "Rp 80.000.000",
		"figure-failed":    "Rp 60.000.000",
		"in-flight-sum":    "Rp 1.000.000",
		"in-flight-count":  "4",
		"figure-in-flight": "Rp 1.000.000",
		"figure-waiting":   "Rp 5.000.000",
		"waiting-sum":      "Rp 5.000.000",
	} {
		if got := strings.TrimSpace(byTestID(t, p, id).Text()); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if got := strings.TrimSpace(byTestID(t, p, "card-waiting").Find(".value").Text()); got != "2" {
		t.Errorf("waiting count %q, want 2", got)
	}
	if !byTestID(t, p, "figure-succeeded").HasClass("num") {
		t.Error("amounts are not right-aligned")
	}
}

// An approval reads OY's balance fresh and is refused when it cannot
// cover the transfer: nothing is approved, nothing is sent.
func TestApprovalReadsTheBalanceAndRefusesWhatItCannotCover(t *testing.T) {
	a := newTestApp(t)
	if err := a.store.PutSetting(context.Background(), models.SettingDualApprovalAbove, "200000000", &models.AuditEntry{Action: "settings.update"}); err != nil {
		t.Fatal(err)
	}
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	first := a.makeDisbursement(fin, "014", "0123456789", 60_000_000)
	second := a.makeDisbursement(fin, "014", "0123456780", 60_000_000)

	p := admin.get("/disbursements/" + itoa(first))
	if got := byTestID(t, p, "approval-balance-value").Text(); got != "Rp 100.000.000" {
		t.Fatalf("balance shown to the approver: %q", got)
	}
	if byTestID(t, p, "balance-short").Length() != 0 {
		t.Fatal("a covered transfer is shown as short")
	}
	if p := admin.post("/disbursements/"+itoa(first)+"/approve", approveForm()); p.Status != http.StatusSeeOther {
		t.Fatalf("approve the first: %d %s", p.Status, p.Body)
	}
	a.settle(first, models.DisbSuccess, 10*time.Second)

	p = admin.get("/disbursements/" + itoa(second))
	if got := byTestID(t, p, "approval-balance-value").Text(); got != "Rp 40.000.000" {
		t.Fatalf("balance after the first transfer: %q", got)
	}
	if byTestID(t, p, "balance-short").Length() != 1 {
		t.Fatal("the approver is not warned that the balance is short")
	}
	p = admin.post("/disbursements/"+itoa(second)+"/approve", approveForm())
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("approval the balance cannot cover: %d", p.Status)
	}
	msg := byTestID(t, p, "decide-error").Text()
	if !strings.Contains(msg, "Rp 40.000.000") || !strings.Contains(msg, "Rp 60.000.000") || !strings.Contains(msg, "Nothing was approved") {
		t.Fatalf("refusal sentence: %q", msg)
	}
	d := a.disbursement(second)
	hist, _ := a.store.DisbursementHistory(context.Background(), second)
	if d.Status != models.DisbWaitingApproval || len(hist.Approvals) != 0 || d.SentAt != nil {
		t.Fatalf("the refused approval changed something: %s, %d approvals", d.Status, len(hist.Approvals))
	}
}

// "Approve and send" must be confirmed naming amount, account and the
// bank's name; without it nothing happens.
func TestApproveAndSendAsksForConfirmation(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	id := a.makeDisbursement(fin, "014", "0123456789", 1_250_000)
	d := a.disbursement(id)
	p := admin.get("/disbursements/" + itoa(id))
	label := byTestID(t, p, "approve-form").Find("label").Text()
	for _, want := range []string{"Rp 1.250.000", "0123456789", d.RecipientName} {
		if !strings.Contains(label, want) {
			t.Errorf("the confirmation does not name %q: %q", want, label)
		}
	}
	if got := byTestID(t, p, "approve-confirm-name").Text(); got != d.RecipientName {
		t.Errorf("bank-returned name in the confirmation: %q", got)
	}
	p = admin.post("/disbursements/"+itoa(id)+"/approve", nil)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "decide-error").Text(), d.RecipientName) {
		t.Fatalf("approve without confirming: %d", p.Status)
	}
	if a.disbursement(id).Status != models.DisbWaitingApproval {
		t.Fatal("an unconfirmed approval changed the transfer")
	}
}

// Two approvals above Rp 50.000.000 by default; the threshold that applies
// is the one in force when the approval completes; the page says who may
// still approve and warns when too few can.
func TestTwoApprovalsByDefaultWithTheThresholdInForceAtCompletion(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)

	big := a.makeDisbursement(fin, "014", "0123456789", 60_000_000)
	p := admin.get("/disbursements/" + itoa(big))
	if got := byTestID(t, p, "approval-count").Find("strong").Text(); got != "0 of 2" {
		t.Fatalf("default threshold: approvals %q, want 0 of 2", got)
	}
	if byTestID(t, p, "too-few-approvers").Length() != 1 {
		t.Fatal("no warning with one eligible approver for two approvals")
	}
	if got := byTestID(t, p, "eligible-approver").Length(); got != 1 {
		t.Fatalf("%d eligible approvers listed, want 1 (the admin)", got)
	}

	other := &models.User{Email: "finance2@example.com", Name: "Second Finance", Role: models.RoleFinance, PasswordHash: testHash()}
	if err := a.store.CreateUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	a.enrolTOTP(other)
	p = admin.get("/disbursements/" + itoa(big))
	if byTestID(t, p, "too-few-approvers").Length() != 0 || byTestID(t, p, "eligible-approver").Length() != 2 {
		t.Fatal("two eligible approvers: warning still shown or not both listed")
	}
	admin.post("/disbursements/"+itoa(big)+"/approve", approveForm())
	if d := a.disbursement(big); d.Status != models.DisbWaitingApproval {
		t.Fatalf("one approval of two sent Rp 60.000.000: %s", d.Status)
	}
	p = fin.get("/disbursements/" + itoa(big))
	if got := byTestID(t, p, "eligible-approver").Text(); !strings.Contains(got, other.Email) || strings.Contains(got, "admin@") {
		t.Fatalf("who may still approve: %q", got)
	}

	// Made under the threshold, approved after it was lowered: two needed.
	small := a.makeDisbursement(fin, "014", "0123456780", 30_000_000)
	if d := a.disbursement(small); d.ApprovalsNeeded != 1 {
		t.Fatalf("Rp 30.000.000 under the default needs %d", d.ApprovalsNeeded)
	}
	if err := a.store.PutSetting(ctx, models.SettingDualApprovalAbove, "20000000", &models.AuditEntry{Action: "settings.update"}); err != nil {
		t.Fatal(err)
	}
	if p := admin.post("/disbursements/"+itoa(small)+"/approve", approveForm()); p.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", p.Status)
	}
	if d := a.disbursement(small); d.Status != models.DisbWaitingApproval || d.ApprovalsNeeded != 2 {
		t.Fatalf("the threshold in force at approval was not applied: %s, needs %d", d.Status, d.ApprovalsNeeded)
	}
	fin2 := a.signedInAs(other.Email)
	fin2.post("/disbursements/"+itoa(small)+"/approve", approveForm())
	a.settle(small, models.DisbSuccess, 10*time.Second)
	fin2.post("/disbursements/"+itoa(big)+"/approve", approveForm())
	a.settle(big, models.DisbSuccess, 10*time.Second)
}

// A maker may withdraw their own waiting request; nobody else may, and a
// withdrawn request cannot be approved.
func TestAMakerWithdrawsTheirOwnWaitingRequest(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	id := a.makeDisbursement(fin, "014", "0123456789", 500_000)
	if byTestID(t, admin.get("/disbursements/"+itoa(id)), "withdraw").Length() != 0 {
		t.Fatal("the approver is offered to withdraw someone else's request")
	}
	if p := admin.post("/disbursements/"+itoa(id)+"/withdraw", nil); p.Status != http.StatusForbidden {
		t.Fatalf("withdraw by someone else: %d", p.Status)
	}
	if byTestID(t, fin.get("/disbursements/"+itoa(id)), "withdraw").Length() != 1 {
		t.Fatal("the maker is not offered to withdraw")
	}
	if p := fin.post("/disbursements/"+itoa(id)+"/withdraw", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", p.Status)
	}
	if d := a.disbursement(id); d.Status != models.DisbWithdrawn || d.FinalAt == nil {
		t.Fatalf("after withdrawing: %s", d.Status)
	}
	if p := admin.post("/disbursements/"+itoa(id)+"/approve", approveForm()); p.Status != http.StatusConflict {
		t.Fatalf("approving a withdrawn request: %d", p.Status)
	}
	if p := fin.post("/disbursements/"+itoa(id)+"/withdraw", nil); p.Status != http.StatusConflict {
		t.Fatalf("withdrawing twice: %d", p.Status)
	}
	if a.disbursement(id).SentAt != nil {
		t.Fatal("a withdrawn request was sent")
	}
}

// A draft older than 15 minutes cannot be confirmed: the account is checked again.
func TestDraftsExpireAfterFifteenMinutes(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/new")
	p := fin.post("/disbursements/inquiry", url.Values{"recipient_bank": {"014"}, "recipient_account": {"0123456789"}, "amount": {"75000"}})
	m := draftRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no draft")
	}
	a.db.Write.Exec("UPDATE disbursement_drafts SET created_at = ? WHERE key = ?", time.Now().UTC().Add(-16*time.Minute), m[1])
	p = fin.post("/disbursements", url.Values{"draft": {m[1]}, "confirm_name": {"yes"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(byTestID(t, p, "form-error").Text(), "15 minutes") {
		t.Fatalf("expired draft: %d", p.Status)
	}
	if v, _ := byTestID(t, p, "disbursement-form").Find(`input[name="recipient_account"]`).Attr("value"); v != "0123456789" {
		t.Fatalf("input not kept: %q", v)
	}
	if n, _, _ := a.store.DisbursementTotals(context.Background(), store.DisbursementFilter{}); n != 0 {
		t.Fatal("an expired draft made a disbursement")
	}
}
