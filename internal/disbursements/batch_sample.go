package disbursements

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// sampleBatchRows are the lines of the sample bulk files, after the header.
var sampleBatchRows = [][]string{
	{"014", "0123456789", "1250000", "Invoice 42", "ap@supplier.co.id", "PT Sumber Makmur"},
	{"008", "9876543210", "500000", "Refund", "", "Budi Santoso"},
}

// SampleBatchCSV is a bulk file to start from: comma-separated UTF-8
// with a BOM, so Excel opens it with its accents and columns intact.
func SampleBatchCSV() []byte {
	var buf bytes.Buffer
	buf.WriteString("\xef\xbb\xbf")
	w := csv.NewWriter(&buf)
	_ = w.Write(BatchColumns)
	_ = w.WriteAll(sampleBatchRows) // a bytes.Buffer does not fail
	return buf.Bytes()
}

// SampleBatchXLSX is the same file as an Excel workbook; bank code and
// account are text cells, so their leading zeros stay.
func SampleBatchXLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sheet1"
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return nil, err
	}
	if err := f.SetColStyle(sheet, "A:B", text); err != nil {
		return nil, err
	}
	if err := f.SetColWidth(sheet, "A", "F", 20); err != nil {
		return nil, err
	}
	header := make([]any, len(BatchColumns))
	for i, c := range BatchColumns {
		header[i] = c
	}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return nil, err
	}
	for i, r := range sampleBatchRows {
		amount, err := strconv.ParseInt(r[2], 10, 64)
		if err != nil {
			return nil, err
		}
		row := []any{r[0], r[1], amount, r[3], r[4], r[5]}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
