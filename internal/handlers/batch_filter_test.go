package handlers

import (
	"net/http"
	"testing"
	"time"

	"backoffice/internal/models"
)

// The list filtered to one batch says so, links to the batch, and offers
// to lift that filter while keeping the others.
func TestDisbursementListShowsItsBatchFilter(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/batches/new")
	csv := "bank_code,account,amount,note,email\n014,0123456789,100000,,\n014,0123456780,200000,,\n"
	id := batchID(t, fin.upload("/disbursements/batches", "two.csv", []byte(csv)))
	a.waitBatch(id, models.BatchReady, 15*time.Second)
	if p := fin.post("/disbursements/batches/"+itoa(id)+"/submit", namesChecked()); p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", p.Status, errorsIn(p.Body))
	}
	a.makeDisbursement(fin, "014", "0123456781", 30_000) // a single transfer, not in the batch

	p := fin.get("/disbursements?status=waiting_approval&batch=" + itoa(id))
	d := doc(t, p)
	if p.Status != http.StatusOK || rows(d, "disbursement-row") != 2 {
		t.Fatalf("filtered list: %d, %d rows", p.Status, rows(d, "disbursement-row"))
	}
	note := d.Find(testid("batch-filter"))
	if note.Length() != 1 {
		t.Fatal("the batch filter is not shown")
	}
	if href(d, "batch-filter-link") != "/disbursements/batches/"+itoa(id) {
		t.Fatalf("batch link %q", href(d, "batch-filter-link"))
	}
	clear := href(d, "batch-filter-clear")
	if clear != "/disbursements?status=waiting_approval" {
		t.Fatalf("lifting the batch filter goes to %q", clear)
	}
	all := doc(t, fin.get(clear))
	if rows(all, "disbursement-row") != 3 || all.Find(testid("batch-filter")).Length() != 0 {
		t.Fatalf("without the batch filter: %d rows", rows(all, "disbursement-row"))
	}
}
