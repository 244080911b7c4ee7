package disbursements

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"backoffice/internal/models"
)

func wantRows(t *testing.T, name string, rows []models.BatchRow, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(rows) != 2 {
		t.Fatalf("%s: %d rows: %+v", name, len(rows), rows)
	}
	a, b := rows[0], rows[1]
	if a.RecipientBank != "014" || a.RecipientAccount != "0123456789" || a.AmountText != "1250000" || a.Note != "Invoice 42" ||
		a.Email != "ap@supplier.co.id" || a.NameInFile != "PT Sumber Makmur" || a.Line != 2 || a.Error != "" {
		t.Errorf("%s: first row %+v", name, a)
	}
	if b.RecipientBank != "008" || b.RecipientAccount != "9876543210" || b.AmountText != "500000" || b.Note != "Refund; paid twice" ||
		b.Email != "" || b.NameInFile != "Budi Santoso" || b.Line != 3 || b.Error != "" {
		t.Errorf("%s: second row %+v", name, b)
	}
}

// The same two transfers read alike whichever separator, BOM and line
// ending the spreadsheet program chose.
func TestBatchFileSeparatorsAndBOM(t *testing.T) {
	lines := [][]string{
		{"bank_code", "account", "amount", "note", "email", "name"},
		{"014", "0123456789", "1250000", "Invoice 42", "ap@supplier.co.id", "PT Sumber Makmur"},
		{"008", "9876543210", "500000", `"Refund; paid twice"`, "", "Budi Santoso"},
	}
	for _, sep := range []string{",", ";", "\t"} {
		for _, bom := range []string{"", "\xef\xbb\xbf"} {
			for _, eol := range []string{"\n", "\r\n"} {
				var buf strings.Builder
				buf.WriteString(bom)
				for _, l := range lines {
					buf.WriteString(strings.Join(l, sep) + eol)
				}
				rows, err := ParseBatchFile([]byte(buf.String()))
				wantRows(t, strings.NewReplacer("\t", "tab", "\xef\xbb\xbf", "BOM ", "\r\n", " CRLF", "\n", " LF").Replace(bom+sep+eol), rows, err)
			}
		}
	}
}

// A wrong or missing header is one error naming the expected columns,
// never an error on every row.
func TestBatchFileHeaderErrors(t *testing.T) {
	for name, data := range map[string]string{
		"no header":         "014,0123456789,1250000,Inv,\n008,9876543210,500000,,\n",
		"no header (;)":     "014;0123456789;1250000;Inv;\n",
		"unknown column":    "bank_code,account,amount,memo\n014,0123456789,1250000,Inv\n",
		"missing amount":    "bank_code;account;note\n014;0123456789;Inv\n",
		"column twice":      "bank_code,account,amount,amount\n014,1,2,3\n",
		"header only":       "bank_code,account,amount\n",
		"xlsx with no head": "",
	} {
		if name == "xlsx with no head" {
			data = string(workbook(t, [][]any{{"014", "0123456789", 1250000}}))
		}
		rows, err := ParseBatchFile([]byte(data))
		if err == nil {
			t.Errorf("%s: accepted as %d rows", name, len(rows))
			continue
		}
		msg := err.Error()
		if name == "header only" {
			if !strings.Contains(msg, "no rows") {
				t.Errorf("%s: %s", name, msg)
			}
			continue
		}
		if !strings.Contains(msg, "bank_code, account, amount") || !strings.Contains(msg, "note, email and name") {
			t.Errorf("%s: the error does not name the expected columns: %s", name, msg)
		}
	}
	_, err := ParseBatchFile([]byte("bank_code,account,amount,memo\n014,1,2,3\n"))
	if err == nil || !strings.Contains(err.Error(), `"memo"`) {
		t.Errorf("the unknown column is not named: %v", err)
	}
	_, err = ParseBatchFile([]byte("014,1,2\n"))
	if err == nil || !strings.Contains(err.Error(), "holds a transfer") {
		t.Errorf("a file without its header line is not told so: %v", err)
	}
}

// Columns are found by their names, in any order, in English or Indonesian.
func TestBatchFileColumnsByName(t *testing.T) {
	rows, err := ParseBatchFile([]byte("Jumlah;Kode Bank;No Rekening;Nama\n10000;014;0123456789;Budi\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; r.AmountText != "10000" || r.RecipientBank != "014" || r.RecipientAccount != "0123456789" || r.NameInFile != "Budi" || r.Note != "" {
		t.Fatalf("row %+v", r)
	}
}

func workbook(t *testing.T, lines [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &l); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// An XLSX workbook reads like the CSV: numbers as whole rupiah, text
// accounts with their leading zero, empty cells empty.
func TestBatchFileXLSX(t *testing.T) {
	data := workbook(t, [][]any{
		{"bank_code", "account", "amount", "note", "email", "name"},
		{"014", "0123456789", 1250000, "Invoice 42", "ap@supplier.co.id", "PT Sumber Makmur"},
		{"008", "9876543210", 500000, "Refund; paid twice", nil, "Budi Santoso"},
		{nil, nil, nil},
	})
	rows, err := ParseBatchFile(data)
	wantRows(t, "xlsx", rows, err)
	if _, err := ParseBatchFile(append([]byte("PK\x03\x04"), "not a zip"...)); err == nil || !strings.Contains(err.Error(), "XLSX") {
		t.Errorf("a broken workbook: %v", err)
	}
}

// The sample files offered on the upload page are themselves accepted.
func TestSampleBatchFilesParse(t *testing.T) {
	for name, data := range map[string][]byte{"csv": SampleBatchCSV(), "xlsx": must(SampleBatchXLSX())} {
		rows, err := ParseBatchFile(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rows) != 2 || rows[0].RecipientAccount != "0123456789" || rows[0].AmountText != "1250000" || rows[1].NameInFile != "Budi Santoso" {
			t.Fatalf("%s: %+v", name, rows)
		}
	}
	if !bytes.HasPrefix(SampleBatchCSV(), []byte("\xef\xbb\xbfbank_code,account,amount,note,email,name\r\n")) && !bytes.HasPrefix(SampleBatchCSV(), []byte("\xef\xbb\xbfbank_code,account,amount,note,email,name\n")) {
		t.Fatal("the sample CSV does not start with its header")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// A workbook of the full 10,000 rows is read within the limits; one more
// row is refused as a whole.
func TestBatchFileXLSXAtTheRowLimit(t *testing.T) {
	lines := [][]any{{"bank_code", "account", "amount", "note"}}
	for i := range MaxBatchRows {
		lines = append(lines, []any{"014", fmt.Sprintf("%010d", i), 10000 + i, "row"})
	}
	rows, err := ParseBatchFile(workbook(t, lines))
	if err != nil || len(rows) != MaxBatchRows || rows[MaxBatchRows-1].Line != MaxBatchRows+1 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	lines = append(lines, []any{"014", "1", 10000, "one too many"})
	if _, err := ParseBatchFile(workbook(t, lines)); err == nil || !strings.Contains(err.Error(), "more than 10,000 rows") {
		t.Fatalf("10,001 rows: %v", err)
	}
}
