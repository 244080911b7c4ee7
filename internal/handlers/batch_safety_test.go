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
)

// bankNames uploads accounts once to learn the names the sandbox bank
// returns for them.
func (a *testApp) bankNames(b *browser, accounts ...string) map[string]string {
	a.t.Helper()
	var csv strings.Builder
	csv.WriteString("bank_code,account,amount,note,email\n")
	for _, acc := range accounts {
		fmt.Fprintf(&csv, "014,%s,10000,,\n", acc)
	}
	id := batchID(a.t, b.upload("/disbursements/batches", "names.csv", []byte(csv.String())))
	a.waitBatch(id, models.BatchReady, 10*time.Second)
	rows, err := a.store.ValidBatchRows(context.Background(), id, 100)
	if err != nil {
		a.t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.RecipientAccount] = r.RecipientName
	}
	return out
}

// Maker and approver see the bank's name of every valid row, rows whose
// name differs from the file's stand out, and neither can go on without
// saying they read them.
func TestBatchShowsTheBankNameOfEveryRowBeforeSubmitAndApprove(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/batches/new")
	names := a.bankNames(fin, "0123456789", "0123456780", "0123456781")
	csv := "bank_code,account,amount,note,email,name\n" +
		"014,0123456789,1000000,a,," + strings.ToLower(names["0123456789"]) + "\n" + // same name, other case
		"014,0123456780,2000000,b,,Somebody Else Entirely\n" + // differs
		"014,0123456781,3000000,c,,\n" // no name in the file
	id := batchID(t, fin.upload("/disbursements/batches", "named.csv", []byte(csv)))
	a.waitBatch(id, models.BatchReady, 10*time.Second)

	check := func(p page, who string) {
		t.Helper()
		rows := byTestID(t, p, "valid-row")
		if rows.Length() != 3 {
			t.Fatalf("%s sees %d valid rows, want 3", who, rows.Length())
		}
		for i, acc := range []string{"0123456789", "0123456780", "0123456781"} {
			if got := rows.Eq(i).Find(`[data-testid="bank-name"]`).Text(); got != names[acc] {
				t.Errorf("%s: row %d bank name %q, want %q", who, i, got, names[acc])
			}
		}
		if rows.Eq(1).Find(`[data-testid="name-mismatch"]`).Length() != 1 || !rows.Eq(1).HasClass("mismatch") {
			t.Errorf("%s: the differing name does not stand out", who)
		}
		if byTestID(t, p, "name-mismatch").Length() != 1 || byTestID(t, p, "name-mismatches").Length() != 1 {
			t.Errorf("%s: %d rows marked as differing, want 1", who, byTestID(t, p, "name-mismatch").Length())
		}
	}
	check(fin.get("/disbursements/batches/"+itoa(id)), "maker")
	p := fin.post("/disbursements/batches/"+itoa(id)+"/submit", nil)
	if p.Status != http.StatusUnprocessableEntity || byTestID(t, p, "batch-error").Length() != 1 {
		t.Fatalf("submit without reading the names: %d", p.Status)
	}
	if b, _ := a.store.BatchByID(context.Background(), id); b.Status != models.BatchReady {
		t.Fatalf("refused submit changed the batch: %s", b.Status)
	}
	if p := fin.post("/disbursements/batches/"+itoa(id)+"/submit", namesChecked()); p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", p.Status)
	}
	admin := a.signedIn(models.RoleAdmin)
	check(admin.get("/disbursements/batches/"+itoa(id)), "approver")
	if p := admin.post("/disbursements/batches/"+itoa(id)+"/approve", url.Values{"confirm": {"yes"}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("approve without reading the names: %d", p.Status)
	}
	if b, _ := a.store.BatchByID(context.Background(), id); b.Status != models.BatchSubmitted {
		t.Fatalf("refused approval changed the batch: %s", b.Status)
	}
	if p := admin.post("/disbursements/batches/"+itoa(id)+"/approve", batchApproveForm()); p.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", p.Status, p.Body)
	}
	a.waitBatch(id, models.BatchDone, 15*time.Second)
}

// A batch counts its total against the threshold: a batch above it waits
// for its second approval, saying so, with no row sent; a row above the
// threshold does not hold the batch (it used to loop forever). The sent
// count is exact and the job logs no errors.
func TestABatchAboveTheThresholdWaitsForItsSecondApprovalThenSendsEveryRow(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	other := &models.User{Email: "finance2@example.com", Name: "Second Finance", Role: models.RoleFinance, PasswordHash: testHash()}
	if err := a.store.CreateUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	a.enrolTOTP(other)
	fin.get("/disbursements/batches/new")
	// 55 M is above the default Rp 50.000.000 on its own; the three rows total 85 M.
	csv := "bank_code,account,amount,note,email,name\n014,0123456789,55000000,big,,\n014,0123456780,20000000,b,,\n014,0123456781,10000000,c,,\n"
	id := batchID(t, fin.upload("/disbursements/batches", "payroll.csv", []byte(csv)))
	a.waitBatch(id, models.BatchReady, 10*time.Second)
	fin.post("/disbursements/batches/"+itoa(id)+"/submit", namesChecked())

	if p := admin.post("/disbursements/batches/"+itoa(id)+"/approve", batchApproveForm()); p.Status != http.StatusSeeOther {
		t.Fatalf("first approval: %d", p.Status)
	}
	time.Sleep(300 * time.Millisecond) // the job would have sent rows by now
	b, _ := a.store.BatchByID(ctx, id)
	if b.Status != models.BatchSubmitted || b.SentRows != 0 || b.ApprovalsNeeded != 2 {
		t.Fatalf("after one approval of two: %s, %d sent, needs %d", b.Status, b.SentRows, b.ApprovalsNeeded)
	}
	if n, _, _ := a.store.DisbursementTotals(ctx, store.DisbursementFilter{BatchID: id, Status: models.DisbWaitingApproval}); n != 3 {
		t.Fatalf("%d rows still waiting, want 3", n)
	}
	p := admin.get("/disbursements/batches/" + itoa(id))
	if got := byTestID(t, p, "approval-count").Find("strong").Text(); got != "1 of 2" {
		t.Fatalf("batch approvals %q", got)
	}
	if !strings.Contains(byTestID(t, p, "batch-approvers").Text(), "second approval") {
		t.Fatalf("the batch does not say it waits for its second approval: %q", byTestID(t, p, "batch-approvers").Text())
	}
	if byTestID(t, p, "why-not").Length() != 1 || byTestID(t, p, "batch-approve").Length() != 0 {
		t.Fatal("the first approver is offered to approve again")
	}
	if p := admin.post("/disbursements/batches/"+itoa(id)+"/approve", batchApproveForm()); p.Status != http.StatusConflict {
		t.Fatalf("same approver twice: %d", p.Status)
	}
	if p := a.signedInAs(other.Email).post("/disbursements/batches/"+itoa(id)+"/approve", batchApproveForm()); p.Status != http.StatusSeeOther {
		t.Fatalf("second approval: %d", p.Status)
	}
	b = a.waitBatch(id, models.BatchDone, 15*time.Second)
	if b.SentRows != 3 {
		t.Fatalf("sent count %d, want 3", b.SentRows)
	}
	rows, _ := a.store.ListDisbursements(ctx, store.DisbursementFilter{BatchID: id}, 10)
	for _, d := range rows.Items {
		a.settle(d.ID, models.DisbSuccess, 10*time.Second)
		hist, _ := a.store.DisbursementHistory(ctx, d.ID)
		if len(hist.Approvals) != 2 {
			t.Errorf("row %d carries %d approvals, want the batch's 2", d.ID, len(hist.Approvals))
		}
	}
	if n := strings.Count(a.logs.String(), `"batch job"`); n != 0 {
		t.Fatalf("the batch job logged %d errors", n)
	}
}

// The maker withdraws a submitted batch: every row is withdrawn, nothing is sent.
func TestAMakerWithdrawsTheirSubmittedBatch(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	fin.get("/disbursements/batches/new")
	id := batchID(t, fin.upload("/disbursements/batches", "w.csv", []byte("bank_code,account,amount,note,email\n014,0123456789,100000,,\n014,0123456780,200000,,\n")))
	a.waitBatch(id, models.BatchReady, 10*time.Second)
	fin.post("/disbursements/batches/"+itoa(id)+"/submit", namesChecked())
	if p := admin.post("/disbursements/batches/"+itoa(id)+"/withdraw", nil); p.Status != http.StatusForbidden {
		t.Fatalf("withdraw by the approver: %d", p.Status)
	}
	if byTestID(t, fin.get("/disbursements/batches/"+itoa(id)), "batch-withdraw").Length() != 1 {
		t.Fatal("the maker is not offered to withdraw")
	}
	if p := fin.post("/disbursements/batches/"+itoa(id)+"/withdraw", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", p.Status)
	}
	if b, _ := a.store.BatchByID(ctx, id); b.Status != models.BatchWithdrawn {
		t.Fatalf("batch after withdrawing: %s", b.Status)
	}
	if n, _, _ := a.store.DisbursementTotals(ctx, store.DisbursementFilter{BatchID: id, Status: models.DisbWithdrawn}); n != 2 {
		t.Fatalf("%d rows withdrawn, want 2", n)
	}
	if p := admin.post("/disbursements/batches/"+itoa(id)+"/approve", batchApproveForm()); p.Status != http.StatusConflict {
		t.Fatalf("approving a withdrawn batch: %d", p.Status)
	}
}

// The same file uploaded twice within a day warns before a second batch is made.
func TestUploadingTheSameFileTwiceWarnsFirst(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/batches/new")
	csv := []byte("bank_code,account,amount,note,email\n014,0123456789,100000,,\n")
	first := batchID(t, fin.upload("/disbursements/batches", "march.csv", csv))
	p := fin.upload("/disbursements/batches", "march-again.csv", csv)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("second upload of the same file: %d", p.Status)
	}
	if msg := byTestID(t, p, "error-file").Text(); !strings.Contains(msg, "batch "+itoa(first)) {
		t.Fatalf("the warning does not name the earlier batch: %q", msg)
	}
	if byTestID(t, p, "upload-again").Length() != 1 {
		t.Fatal("no way to upload it again on purpose")
	}
	if list, _ := a.store.ListBatches(context.Background(), 10); len(list) != 1 {
		t.Fatalf("%d batches after the warning, want 1", len(list))
	}
	second := fin.uploadWith("/disbursements/batches", "march-again.csv", csv, url.Values{"upload_again": {"yes"}})
	if id := batchID(t, second); id == first {
		t.Fatal("no second batch made on purpose")
	}
}
