//go:build browser

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// TestBulkUploadSemicolonCSVWithBOMAndXLSX: a finance clerk whose Excel
// saves CSV with semicolons and a BOM (Indonesian settings), and one who
// uploads the workbook itself, both get a batch whose rows are checked
// with the bank; a file with a wrong header is one error beside the file
// field, naming the columns.
func TestBulkUploadSemicolonCSVWithBOMAndXLSX(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	p := newBrowser(t, ctx)
	p.openAndSignIn(finance)
	dir := t.TempDir()
	// A note unique to this run, so a rerun on the same database is not
	// refused as the same file uploaded twice.
	run := time.Now().Format("150405.000")

	upload := func(name string, data []byte) {
		t.Helper()
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		p.open("/disbursements/batches/new")
		p.waitVisible(`[data-testid=page-batch-new]`)
		p.do("choose "+name, chromedp.SetUploadFiles(chromedp.CSS(`input[name=file]`), []string{file}))
		p.click(`[data-testid=upload]`)
	}
	checked := func(name string, wantAmounts []string) {
		t.Helper()
		p.waitVisible(`[data-testid=page-batch]`)
		batch := p.location().Path
		for start := time.Now(); p.count(`[data-testid=valid-rows]`) == 0; {
			if time.Since(start) > 20*time.Second {
				p.fatal("%s: the batch is still %q after 20 s", name, p.text(`[data-testid=batch-status]`))
			}
			time.Sleep(300 * time.Millisecond)
			p.open(batch)
			p.waitVisible(`[data-testid=page-batch]`)
		}
		got := p.visibleTexts(`[data-testid=valid-row] td:last-child`)
		slices.Sort(got)
		slices.Sort(wantAmounts)
		if !slices.Equal(got, wantAmounts) {
			t.Errorf("%s: valid rows with amounts %q, want %q", name, got, wantAmounts)
		}
	}

	// The upload page offers both sample files.
	p.open("/disbursements/batches/new")
	p.waitVisible(`[data-testid=sample-csv]`)
	p.waitVisible(`[data-testid=sample-xlsx]`)
	p.screenshot("40-batch-upload-samples")

	semi := "\xef\xbb\xbfbank_code;account;amount;note;email;name\r\n" +
		"014;0123456789;1250000;Invoice 42, " + run + ";;PT Sumber Makmur\r\n" +
		"008;9876543210;500000;Refund " + run + ";;\r\n"
	upload("excel-indonesia.csv", []byte(semi))
	checked("semicolon CSV with BOM", []string{"Rp 1.250.000", "Rp 500.000"})
	p.screenshot("41-batch-semicolon-csv")

	f := excelize.NewFile()
	for i, row := range [][]any{
		{"bank_code", "account", "amount", "note", "email", "name"},
		{"014", "0123456780", 2500000, "Payroll " + run, nil, nil},
		{"014", "0123456781", 750000, "Payroll " + run, "staff@example.co.id", nil},
		{"008", "9876543211", 300000, "Payroll " + run, nil, nil},
	} {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	upload("payroll.xlsx", buf.Bytes())
	checked("XLSX", []string{"Rp 2.500.000", "Rp 750.000", "Rp 300.000"})
	p.screenshot("42-batch-xlsx")

	upload("no-header.csv", []byte("014;0123456789;100000;"+run+";\r\n014;0123456780;200000;"+run+";\r\n"))
	p.waitVisible(`[data-testid=error-file]`)
	if n := p.count(`[data-testid=error-file]`); n != 1 {
		t.Errorf("%d file errors, want one", n)
	}
	if msg := p.text(`[data-testid=error-file]`); !strings.Contains(msg, "bank_code, account, amount") {
		t.Errorf("the error does not name the columns: %q", msg)
	}
	if got := p.count(`input[name=file][aria-invalid=true][aria-describedby=f-file-error]`); got != 1 {
		t.Error("the file field is not marked invalid and tied to its message")
	}
	p.screenshot("43-batch-wrong-header")
}
