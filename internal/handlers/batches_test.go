package handlers

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/store"
)

// namesChecked and batchApproveForm tick the boxes that say every name
// the bank returned was read (and, approving, the total confirmed).
func namesChecked() url.Values { return url.Values{"names_checked": {"yes"}} }

func batchApproveForm() url.Values {
	return url.Values{"names_checked": {"yes"}, "confirm": {"yes"}}
}

func (b *browser) upload(path, name string, data []byte) page {
	b.a.t.Helper()
	return b.uploadWith(path, name, data, nil)
}

// uploadWith sends a file with more form fields.
func (b *browser) uploadWith(path, name string, data []byte, fields url.Values) page {
	b.a.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("_csrf", b.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", b.a.http.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

func (a *testApp) waitBatch(id int64, want models.BatchStatus, within time.Duration) *models.DisbursementBatch {
	a.t.Helper()
	deadline := time.Now().Add(within)
	for {
		b, err := a.store.BatchByID(context.Background(), id)
		if err != nil {
			a.t.Fatal(err)
		}
		if b.Status == want {
			return b
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("batch %d is %s (%d/%d checked), want %s", id, b.Status, b.CheckedRows, b.TotalRows, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func batchID(t *testing.T, p page) int64 {
	t.Helper()
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/disbursements/batches/") {
		t.Fatalf("upload: %d %s %s", p.Status, p.Location, errorsIn(p.Body))
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(p.Location, "/disbursements/batches/"), 10, 64)
	return id
}

func TestBulkUploadWithGoodAndBadRows(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/batches/new")
	csv := "bank_code,account,amount,note,email\n" +
		"014,0123456789,1250000,Invoice 42,ap@supplier.co.id\n" +
		"008,0123456780,500.000,Refund,\n" +
		"999,0123456781,50000,,\n" + // unknown bank
		"014,01234ABC,50000,,\n" + // letters
		"014,0123456782,5000,,\n" + // below minimum
		"014,8888888888,50000,,\n" + // inquiry 209
		"014,0123456783,50000,,x@y.id,Name,extra\n" // too many columns
	id := batchID(t, fin.upload("/disbursements/batches", "suppliers.csv", []byte(csv)))
	b := a.waitBatch(id, models.BatchReady, 10*time.Second)
	if b.TotalRows != 7 || b.ValidRows != 2 || b.ValidSum != 1_750_000 {
		t.Fatalf("batch counts: %+v", b)
	}
	page := fin.get("/disbursements/batches/" + itoa(id))
	if n := strings.Count(page.Body, `data-testid="bad-row"`); n != 5 {
		t.Fatalf("%d bad rows listed, want 5", n)
	}
	for _, why := range []string{"does not list bank code 999", "digits only", "Rp 10.000", "Account check failed", "columns"} {
		if !strings.Contains(page.Body, why) {
			t.Errorf("bad rows lack %q", why)
		}
	}
	if p := fin.get("/disbursements/batches/" + itoa(id) + "/file"); p.Body != csv {
		t.Fatal("the uploaded file is not kept as it was")
	}
	if p := fin.post("/disbursements/batches/"+itoa(id)+"/submit", namesChecked()); p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", p.Status)
	}
	if p := fin.post("/disbursements/batches/"+itoa(id)+"/submit", namesChecked()); p.Status != http.StatusConflict {
		t.Fatalf("second submit: %d", p.Status)
	}
	if p := fin.post("/disbursements/batches/"+itoa(id)+"/approve", batchApproveForm()); p.Status != http.StatusForbidden {
		t.Fatalf("maker approving own batch: %d", p.Status)
	}
	n, sum, _ := a.store.DisbursementTotals(context.Background(), store.DisbursementFilter{BatchID: id, Status: models.DisbWaitingApproval})
	if n != 2 || sum != 1_750_000 {
		t.Fatalf("waiting from the batch: %d, %d", n, sum)
	}
	admin := a.signedIn(models.RoleAdmin)
	if p := admin.post("/disbursements/batches/"+itoa(id)+"/approve", batchApproveForm()); p.Status != http.StatusSeeOther {
		t.Fatalf("approve batch: %d", p.Status)
	}
	a.waitBatch(id, models.BatchDone, 15*time.Second)
	page2, _ := a.store.ListDisbursements(context.Background(), store.DisbursementFilter{BatchID: id}, 10)
	for _, d := range page2.Items {
		a.settle(d.ID, models.DisbSuccess, 10*time.Second)
	}
	list := admin.get("/disbursements?batch=" + itoa(id))
	if strings.Count(list.Body, `data-testid="disbursement-row"`) != 2 {
		t.Fatal("the batch's rows are not followed row by row")
	}
}

func TestBulkUploadRefusesUnreadableFiles(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/batches/new")
	for name, data := range map[string][]byte{
		"empty":       {},
		"only header": []byte("bank_code,account,amount,note,email\n"),
		"binary":      {0xff, 0xfe, 0x00, 0x01},
		"bad quotes":  []byte("014,\"0123,5000\n"),
	} {
		p := fin.upload("/disbursements/batches", name+".csv", data)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `data-testid="error-file"`) {
			t.Errorf("%s: %d", name, p.Status)
		}
	}
	if list, _ := a.store.ListBatches(context.Background(), 10); len(list) != 0 {
		t.Fatal("a refused file was kept as a batch")
	}
}

// A file of 10,000 rows is accepted at once and checked in the background.
func TestTenThousandRowsAreCheckedInTheBackground(t *testing.T) {
	if testing.Short() {
		t.Skip("checks 10,000 rows against the sandbox")
	}
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/batches/new")
	var buf bytes.Buffer
	buf.WriteString("bank_code,account,amount,note,email\n")
	for i := range 10_000 {
		fmt.Fprintf(&buf, "014,%010d,%d,row %d,\n", 100000000+i, 10000+i, i)
	}
	id := batchID(t, fin.upload("/disbursements/batches", "big.csv", buf.Bytes()))
	b, _ := a.store.BatchByID(context.Background(), id)
	if b.TotalRows != 10_000 {
		t.Fatalf("rows stored: %d", b.TotalRows)
	}
	page := fin.get("/disbursements/batches/" + itoa(id))
	if !strings.Contains(page.Body, "<progress") {
		t.Fatal("no progress bar while checking")
	}
	b = a.waitBatch(id, models.BatchReady, 90*time.Second)
	if b.ValidRows != 10_000 {
		t.Fatalf("valid rows %d", b.ValidRows)
	}
}
