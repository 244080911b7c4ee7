package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"backoffice/internal/models"
	"backoffice/internal/store"
)

// doc parses a page for lookups by data-testid.
func doc(t *testing.T, p page) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(p.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func testid(id string) string { return `[data-testid="` + id + `"]` }

// href is the link of the element with a test id, "" when absent.
func href(d *goquery.Document, id string) string {
	v, _ := d.Find(testid(id)).Attr("href")
	return v
}

// seedDisbursements inserts n transfers straight through SQL, one a
// minute back from now, the newest first in id order as in production.
// Every third goes to BCA with an account that starts with zeros; every
// tenth has a name that tries to run as a formula.
func seedDisbursements(t *testing.T, a *testApp, n int) (finance int64) {
	t.Helper()
	w := a.db.Write
	if err := w.Raw("SELECT id FROM users WHERE email = ?", "finance@example.com").Scan(&finance).Error; err != nil || finance == 0 {
		t.Fatalf("finance user: %v", err)
	}
	start := time.Now().UTC().Add(-time.Duration(n) * time.Minute)
	for i := range n {
		bank, account, name := "002", fmt.Sprintf("9%08d", i), fmt.Sprintf("Budi Santoso %d", i)
		if i%3 == 0 {
			bank, account = "014", fmt.Sprintf("00%07d", i)
		}
		if i%10 == 0 {
			name = "=HYPERLINK(\"x\") " + name
		}
		if i%10 == 5 {
			name = "＝cmd " + name
		}
		status := models.DisbSuccess
		if i%4 == 0 {
			status = models.DisbFailed
		}
		at := start.Add(time.Duration(i) * time.Minute)
		err := w.Exec(`INSERT INTO disbursements (partner_trx_id, recipient_bank, recipient_account, recipient_name, amount, status, maker_id, maker_email,
			created_at, updated_at, trx_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			fmt.Sprintf("PTX-%05d", i), bank, account, name, int64(10000+i*1000), status, finance, "finance@example.com", at, at, fmt.Sprintf("T%05d", i)).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	return finance
}

func rows(d *goquery.Document, id string) int { return d.Find(testid(id)).Length() }

func TestDisbursementListFiltersTotalsAndPages(t *testing.T) {
	a := newTestApp(t)
	seedDisbursements(t, a, 120)
	b := a.signedIn(models.RoleAuditor)

	first := doc(t, b.get("/disbursements"))
	if n := rows(first, "disbursement-row"); n != 50 {
		t.Fatalf("first page rows = %d", n)
	}
	if got := first.Find(testid("totals-count")).Text(); got != "120 disbursements" {
		t.Fatalf("totals = %q", got)
	}
	// 10.000 + 1.000 × (0 + … + 119)
	if got := first.Find(testid("totals-sum")).Text(); got != "total Rp 8.340.000" {
		t.Fatalf("sum = %q", got)
	}
	if href(first, "pager-first") != "" || href(first, "pager-newer") != "" {
		t.Fatal("the newest page links to newer pages")
	}
	// Older, older again, then back with Newer and First.
	second := doc(t, b.get(href(first, "pager-older")))
	third := doc(t, b.get(href(second, "pager-older")))
	if rows(second, "disbursement-row") != 50 || rows(third, "disbursement-row") != 20 || href(third, "pager-older") != "" {
		t.Fatalf("pages: %d, %d rows", rows(second, "disbursement-row"), rows(third, "disbursement-row"))
	}
	back := doc(t, b.get(href(third, "pager-newer")))
	if back.Find(testid("disbursement-ref")).First().Text() != second.Find(testid("disbursement-ref")).First().Text() ||
		rows(back, "disbursement-row") != 50 {
		t.Fatal("Newer does not lead back to the page before")
	}
	top := doc(t, b.get(href(back, "pager-newer")))
	if top.Find(testid("disbursement-ref")).First().Text() != "PTX-00119" || href(top, "pager-newer") != "" {
		t.Fatalf("Newer twice does not reach the newest page: %q", top.Find(testid("disbursement-ref")).First().Text())
	}
	if href(third, "pager-first") != "/disbursements" {
		t.Fatalf("First = %q", href(third, "pager-first"))
	}

	for q, want := range map[string]struct {
		rows  int
		count string
	}{
		"status=failed":                         {30, "30 disbursements"},
		"bank=014":                              {40, "40 disbursements"},
		"q=PTX-0011":                            {10, "10 disbursements"},
		"q=0000001":                             {6, "6 disbursements"}, // BCA accounts 0000001xx: 102, 105, … 117
		"q=budi+santoso+11":                     {11, "11 disbursements"},
		"q=BUDI":                                {50, "120 disbursements"},
		"min_amount=100.000&max_amount=110000":  {11, "11 disbursements"},
		"status=success&bank=014&q=PTX-0000":    {3, "3 disbursements"}, // 3, 6, 9
		"from=2000-01-01&to=2000-01-02":         {0, "0 disbursements"},
		"bank=014&from=2000-01-01":              {40, "40 disbursements"},
		"status=failed&min_amount=1&q=PTX-0":    {30, "30 disbursements"},
		"maker=" + itoa(a.userID(t, "finance")): {50, "120 disbursements"},
	} {
		d := doc(t, b.get("/disbursements?"+q))
		if n := rows(d, "disbursement-row"); n != want.rows {
			t.Errorf("%s: %d rows, want %d", q, n, want.rows)
		}
		if got := d.Find(testid("totals-count")).Text(); got != want.count {
			t.Errorf("%s: totals %q, want %q", q, got, want.count)
		}
	}
	// A bad amount: 422, the sentence beside the field, the input kept.
	p := b.get("/disbursements?min_amount=sepuluh&bank=014")
	d := doc(t, p)
	if p.Status != http.StatusUnprocessableEntity || d.Find(testid("error-min_amount")).Text() != "Use whole rupiah, like 1.000.000." {
		t.Fatalf("bad amount: %d %q", p.Status, d.Find(testid("error-min_amount")).Text())
	}
	if v, _ := d.Find(`input[name="min_amount"]`).Attr("value"); v != "sepuluh" {
		t.Fatalf("input not kept: %q", v)
	}
	if v, _ := d.Find(`select[name="bank"] option[selected]`).Attr("value"); v != "014" {
		t.Fatalf("bank not kept: %q", v)
	}
	if rows(d, "disbursement-row") != 0 || rows(d, "totals") != 0 {
		t.Fatal("an unreadable filter still lists rows")
	}
	if p := b.get("/disbursements?maker=" + itoa(a.userID(t, "finance")+9)); p.Status != http.StatusUnprocessableEntity ||
		doc(t, p).Find(testid("error-maker")).Text() != "Choose a person from the list." {
		t.Fatalf("unknown maker: %d", p.Status)
	}
	if p := b.get("/disbursements?after=x"); p.Status != http.StatusBadRequest {
		t.Fatalf("bad cursor: %d", p.Status)
	}
}

func (a *testApp) userID(t *testing.T, role string) int64 {
	t.Helper()
	var id int64
	if err := a.db.Read.Raw("SELECT id FROM users WHERE email = ?", role+"@example.com").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// download fetches an export and returns its body.
func download(t *testing.T, b *browser, path, wantType string) []byte {
	t.Helper()
	resp, err := b.c.Get(b.a.http.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), wantType) {
		t.Fatalf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return body
}

func TestDisbursementExportsAreTypedAndGuarded(t *testing.T) {
	a := newTestApp(t)
	seedDisbursements(t, a, 30)
	b := a.signedIn(models.RoleAuditor)
	const filters = "bank=014&status=success"
	var want []models.Disbursement
	f := store.DisbursementFilter{Bank: "014", Status: models.DisbSuccess}
	if err := a.store.EachDisbursement(context.Background(), f, func(d models.Disbursement) error { want = append(want, d); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(want) != 7 { // i in 3, 6, 9, 15, 18, 21, 27 (multiples of 3, not of 4)
		t.Fatalf("seeded %d", len(want))
	}

	recs, err := csv.NewReader(bytes.NewReader(download(t, b, "/disbursements?format=csv&"+filters, "text/csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(want)+1 || recs[0][1] != "created" || recs[0][7] != "amount" {
		t.Fatalf("csv header/rows: %v", recs)
	}
	for i, d := range want {
		r := recs[i+1]
		at, err := time.Parse(time.RFC3339, r[1])
		if err != nil || !strings.HasSuffix(r[1], "+07:00") || !at.Equal(d.CreatedAt.Truncate(time.Second)) {
			t.Errorf("created %q for %v (%v)", r[1], d.CreatedAt, err)
		}
		if r[7] != itoa(d.Amount) || r[6] != d.RecipientAccount || r[4] != "014" || !strings.HasPrefix(r[6], "00") {
			t.Errorf("row %v", r)
		}
		if strings.HasPrefix(d.RecipientName, "=") || strings.HasPrefix(d.RecipientName, "＝") {
			if r[3] != "'"+d.RecipientName {
				t.Errorf("formula not guarded: %q", r[3])
			}
		} else if r[3] != d.RecipientName {
			t.Errorf("name %q, want %q", r[3], d.RecipientName)
		}
	}

	x, err := excelize.OpenReader(bytes.NewReader(download(t, b, "/disbursements?format=xlsx&"+filters, "application/vnd.openxmlformats")))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheetRows, err := x.GetRows("Sheet1")
	if err != nil || len(sheetRows) != len(want)+1 {
		t.Fatalf("xlsx rows %d %v", len(sheetRows), err)
	}
	for i, d := range want {
		row := i + 2
		cell := func(col string) string { return fmt.Sprintf("%s%d", col, row) }
		if typ, _ := x.GetCellType("Sheet1", cell("G")); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
			t.Errorf("account cell type %v", typ)
		}
		if v, _ := x.GetCellValue("Sheet1", cell("G")); v != d.RecipientAccount {
			t.Errorf("account %q, want %q", v, d.RecipientAccount)
		}
		if v, _ := x.GetCellValue("Sheet1", cell("H"), excelize.Options{RawCellValue: true}); v != itoa(d.Amount) {
			t.Errorf("amount raw %q, want %d", v, d.Amount)
		}
		if typ, _ := x.GetCellType("Sheet1", cell("H")); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("amount cell type %v", typ)
		}
		if v, _ := x.GetCellValue("Sheet1", cell("H")); !strings.HasPrefix(v, "Rp") {
			t.Errorf("amount shown %q, want a rupiah format", v)
		}
		wall := d.CreatedAt.In(time.FixedZone("WIB", 7*3600)).Format("2006-01-02 15:04:05")
		if v, _ := x.GetCellValue("Sheet1", cell("B")); v != wall {
			t.Errorf("created shown %q, want %q", v, wall)
		}
		if v, _ := x.GetCellValue("Sheet1", cell("D")); (strings.HasPrefix(d.RecipientName, "=") || strings.HasPrefix(d.RecipientName, "＝")) && v != "'"+d.RecipientName {
			t.Errorf("xlsx formula not guarded: %q", v)
		}
		if f, _ := x.GetCellFormula("Sheet1", cell("D")); f != "" {
			t.Errorf("a name became a formula: %q", f)
		}
	}
	var summaries []string
	if err := a.store.EachAudit(context.Background(), store.AuditFilter{Action: "disbursement.export"}, func(e models.AuditEntry) error {
		summaries = append(summaries, e.Summary)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(summaries) != 2 || !strings.Contains(summaries[0], "xlsx") || !strings.Contains(summaries[1], "csv") || !strings.Contains(summaries[0], url.Values{"bank": {"014"}, "status": {"success"}}.Encode()) {
		t.Fatalf("exports recorded: %q", summaries)
	}
}
