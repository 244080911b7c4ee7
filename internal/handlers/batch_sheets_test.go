package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"backoffice/internal/disbursements"
	"backoffice/internal/models"
)

// A semicolon CSV saved by Excel with Indonesian settings (BOM, CRLF)
// and the sample workbook both make batches whose rows are checked.
func TestBulkUploadSemicolonCSVAndXLSX(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	page := fin.get("/disbursements/batches/new")
	d := doc(t, page)
	for _, id := range []string{"sample-csv", "sample-xlsx"} {
		if href, _ := d.Find(`[data-testid="` + id + `"]`).Attr("href"); href == "" {
			t.Fatalf("the upload page has no %s link", id)
		}
	}
	semi := "\xef\xbb\xbfbank_code;account;amount;note;email;name\r\n" +
		"014;0123456789;1250000;Invoice 42, December;;PT Sumber Makmur\r\n" +
		"014;01234ABC;50000;;;\r\n"
	id := batchID(t, fin.upload("/disbursements/batches", "excel-id.csv", []byte(semi)))
	b := a.waitBatch(id, models.BatchReady, 15*time.Second)
	if b.TotalRows != 2 || b.ValidRows != 1 || b.ValidSum != 1_250_000 {
		t.Fatalf("semicolon batch: %d rows, %d valid, sum %d", b.TotalRows, b.ValidRows, b.ValidSum)
	}
	valid, err := a.store.ValidBatchRows(context.Background(), id, 10)
	if err != nil || len(valid) != 1 || valid[0].Note != "Invoice 42, December" || valid[0].NameInFile != "PT Sumber Makmur" {
		t.Fatalf("semicolon rows: %+v %v", valid, err)
	}

	xlsx := download(t, fin, "/disbursements/batches/sample.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	id = batchID(t, fin.upload("/disbursements/batches", "sample.xlsx", xlsx))
	b = a.waitBatch(id, models.BatchReady, 15*time.Second)
	if b.TotalRows != 2 || b.ValidRows != 2 || b.ValidSum != 1_750_000 {
		t.Fatalf("xlsx batch: %d rows, %d valid, sum %d", b.TotalRows, b.ValidRows, b.ValidSum)
	}
	// The kept file comes back as the workbook it was.
	if kept := download(t, fin, "/disbursements/batches/"+itoa(id)+"/file", "application/vnd.openxmlformats"); string(kept) != string(xlsx) {
		t.Fatal("the kept workbook differs from the upload")
	}
}

// The sample files download as what they say and are accepted as uploads.
func TestBatchSampleFiles(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	csv := download(t, fin, "/disbursements/batches/sample.csv", "text/csv")
	if string(csv) != string(disbursements.SampleBatchCSV()) {
		t.Fatal("the sample CSV served differs from the one the parser is tested with")
	}
	id := batchID(t, fin.upload("/disbursements/batches", "bulk-disbursements-sample.csv", csv))
	if b := a.waitBatch(id, models.BatchReady, 15*time.Second); b.ValidRows != 2 {
		t.Fatalf("sample CSV: %d valid rows", b.ValidRows)
	}
	auditor := a.signedIn(models.RoleAuditor)
	if p := auditor.get("/disbursements/batches/sample.csv"); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
		t.Fatalf("an auditor gets the upload sample: %d", p.Status)
	}
}

// A file without its header, or with a wrong one, is refused as a whole
// with one error naming the columns, the file name kept out of the batches.
func TestBulkUploadWrongHeaderIsOneError(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/batches/new")
	var rows strings.Builder
	for range 50 {
		rows.WriteString("014;0123456789;100000;;\n")
	}
	for name, data := range map[string]string{
		"no-header.csv":    rows.String(),
		"wrong-header.csv": "bank;rekening;total\n" + rows.String(),
	} {
		p := fin.upload("/disbursements/batches", name, []byte(data))
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d", name, p.Status)
		}
		d := doc(t, p)
		errs := d.Find(`[data-testid="error-file"]`)
		if errs.Length() != 1 {
			t.Fatalf("%s: %d file errors", name, errs.Length())
		}
		if msg := errs.Text(); !strings.Contains(msg, "bank_code, account, amount") {
			t.Fatalf("%s: the error does not name the columns: %s", name, msg)
		}
		in := d.Find(`[data-testid="batch-file"]`)
		if v, _ := in.Attr("aria-invalid"); v != "true" {
			t.Fatalf("%s: the file field is not marked invalid", name)
		}
		if v, _ := in.Attr("aria-describedby"); v == "" || d.Find("#"+v).Length() != 1 {
			t.Fatalf("%s: the message is not tied to the field", name)
		}
	}
	if list, _ := a.store.ListBatches(context.Background(), 10); len(list) != 0 {
		t.Fatal("a refused file was kept as a batch")
	}
	if p := fin.get("/disbursements/batches/new"); doc(t, p).Find(`[data-testid="batch-file"][aria-invalid]`).Length() != 0 {
		t.Fatal("the fresh form marks the field invalid")
	}
}
