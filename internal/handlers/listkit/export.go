package listkit

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"backoffice/internal/i18n"
	"backoffice/internal/wib"
)

// ColumnType says how an export column is written.
type ColumnType int

const (
	// TextColumn is text: in XLSX a string cell, so account numbers and
	// bank codes keep their leading zeros.
	TextColumn ColumnType = iota
	// NumberColumn is a plain integer.
	NumberColumn
	// MoneyColumn is whole rupiah: a plain integer in CSV, a number with
	// a rupiah format in XLSX.
	MoneyColumn
	// TimeColumn is an instant: ISO 8601 in WIB (+07:00) in CSV, a date
	// cell showing WIB in XLSX. Its values are time.Time or *time.Time.
	TimeColumn
)

// Column is one column of an export. Name is its English snake_case name;
// the header is the catalogue's "csv.<name>" in the reader's language.
type Column struct {
	Name string
	Type ColumnType
}

// Export is a list's download: a file name and its columns.
type Export struct {
	Name    string
	Columns []Column
}

// isoWIB is how CSV writes instants: machine-readable, in the zone shown.
const isoWIB = "2006-01-02T15:04:05-07:00"

// Safe stops a spreadsheet from running a text cell as a formula,
// full-width signs included (Excel folds them to their ASCII twins).
func Safe(v string) string {
	if v == "" {
		return v
	}
	if strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	for _, p := range []string{"＝", "＋", "－", "＠"} {
		if strings.HasPrefix(v, p) {
			return "'" + v
		}
	}
	return v
}

// rowWriter writes one export format.
type rowWriter interface {
	header(cols []Column, label func(string) string) error
	row(cols []Column, cells []any) error
	close() error
}

// Stream answers the export of one list in format ("csv" or "xlsx"): rows
// calls emit once per row, with one cell per column, as the store hands
// them over, so memory stays flat however many rows match.
func Stream(c echo.Context, format string, e Export, rows func(emit func(cells ...any) error) error) error {
	h := c.Response().Header()
	name := e.Name + "-" + time.Now().In(wib.Zone).Format("20060102-1504")
	var w rowWriter
	switch format {
	case "csv":
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		name += ".csv"
		w = &csvWriter{w: csv.NewWriter(c.Response()), flush: c.Response().Flush}
	case "xlsx":
		h.Set(echo.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		name += ".xlsx"
		xw, err := newXLSXWriter(c.Response())
		if err != nil {
			return err
		}
		w = xw
	default:
		return fmt.Errorf("listkit: unknown export format %q", format)
	}
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	c.Response().Flush() // the download starts now, not when the last row is read
	ctx := c.Request().Context()
	if err := w.header(e.Columns, func(name string) string { return i18n.T(ctx, columnKey(name)) }); err != nil {
		return err
	}
	if err := rows(func(cells ...any) error { return w.row(e.Columns, cells) }); err != nil {
		// Headers are sent; the caller logs the reason and the file ends short.
		_ = w.close()
		return err
	}
	return w.close()
}

// ClientGone reports whether an export stopped because the client went
// away (closed the tab, lost the network): the request was cancelled or
// the connection broke. That is the client's doing, worth an info line,
// not an error.
func ClientGone(c echo.Context, err error) bool {
	return c.Request().Context().Err() != nil || errors.Is(err, context.Canceled) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t != nil && !t.IsZero() {
			return *t, true
		}
	}
	return time.Time{}, false
}

func intOf(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case *int64:
		if n != nil {
			return *n, true
		}
	}
	return 0, false
}

func textOf(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case bool:
		return strconv.FormatBool(s)
	case fmt.Stringer:
		return s.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

type csvWriter struct {
	w     *csv.Writer
	flush func()
	n     int
}

func (w *csvWriter) header(cols []Column, label func(string) string) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = label(c.Name)
	}
	return w.w.Write(names)
}

func (w *csvWriter) row(cols []Column, cells []any) error {
	out := make([]string, len(cols))
	for i, col := range cols {
		if i >= len(cells) {
			break
		}
		switch col.Type {
		case TimeColumn:
			if t, ok := timeOf(cells[i]); ok {
				out[i] = t.In(wib.Zone).Format(isoWIB)
			}
		case NumberColumn, MoneyColumn:
			if n, ok := intOf(cells[i]); ok {
				out[i] = strconv.FormatInt(n, 10)
			}
		default:
			out[i] = Safe(textOf(cells[i]))
		}
	}
	if err := w.w.Write(out); err != nil {
		return err
	}
	if w.n++; w.n%500 == 0 {
		w.w.Flush()
		w.flush()
	}
	return w.w.Error()
}

func (w *csvWriter) close() error {
	w.w.Flush()
	return w.w.Error()
}

// xlsxWriter streams one sheet through excelize's StreamWriter, which
// spills rows to a temporary file past a small buffer; the zip is written
// to the response at the end.
type xlsxWriter struct {
	out                  io.Writer
	f                    *excelize.File
	sw                   *excelize.StreamWriter
	n                    int // rows written on the current sheet
	maxRows              int // rows a sheet holds, header included
	sheets               int
	cols                 []Column
	label                func(string) string
	money, date, headerS int
}

// xlsxMaxRows is a sheet's last row in Excel; the rows after it go on to
// the next sheet, each with its own header.
const xlsxMaxRows = 1_048_576

func newXLSXWriter(out io.Writer) (*xlsxWriter, error) {
	f := excelize.NewFile()
	w := &xlsxWriter{out: out, f: f, maxRows: xlsxMaxRows}
	var err error
	rupiah := `"Rp" #,##0`
	dateFmt := "yyyy-mm-dd hh:mm:ss"
	if w.money, err = f.NewStyle(&excelize.Style{CustomNumFmt: &rupiah}); err != nil {
		return nil, err
	}
	if w.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return nil, err
	}
	if w.headerS, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	if w.sw, err = f.NewStreamWriter("Sheet1"); err != nil {
		return nil, err
	}
	w.sheets = 1
	return w, nil
}

// nextSheet flushes the full sheet and starts the next one.
func (w *xlsxWriter) nextSheet() error {
	if err := w.sw.Flush(); err != nil {
		return err
	}
	w.sheets++
	name := "Sheet" + strconv.Itoa(w.sheets)
	if _, err := w.f.NewSheet(name); err != nil {
		return err
	}
	var err error
	if w.sw, err = w.f.NewStreamWriter(name); err != nil {
		return err
	}
	return w.header(w.cols, w.label)
}

func (w *xlsxWriter) header(cols []Column, label func(string) string) error {
	w.cols, w.label = cols, label
	cells := make([]any, len(cols))
	for i, c := range cols {
		name := label(c.Name)
		if c.Type == TimeColumn {
			name += " (WIB)"
		}
		cells[i] = excelize.Cell{StyleID: w.headerS, Value: name}
		width := 14.0
		if c.Type == TimeColumn {
			width = 20
		}
		if err := w.sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	w.n = 1
	return w.sw.SetRow("A1", cells, excelize.RowOpts{})
}

func (w *xlsxWriter) row(cols []Column, cells []any) error {
	if w.n == w.maxRows {
		if err := w.nextSheet(); err != nil {
			return err
		}
	}
	out := make([]any, len(cols))
	for i, col := range cols {
		if i >= len(cells) {
			break
		}
		switch col.Type {
		case TimeColumn:
			if t, ok := timeOf(cells[i]); ok {
				// A spreadsheet date has no zone: write the WIB wall clock.
				wall := t.In(wib.Zone)
				out[i] = excelize.Cell{StyleID: w.date, Value: time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)}
			}
		case MoneyColumn:
			if n, ok := intOf(cells[i]); ok {
				out[i] = excelize.Cell{StyleID: w.money, Value: n}
			}
		case NumberColumn:
			if n, ok := intOf(cells[i]); ok {
				out[i] = n
			}
		default:
			out[i] = Safe(textOf(cells[i]))
		}
	}
	w.n++
	cell, err := excelize.CoordinatesToCellName(1, w.n)
	if err != nil {
		return err
	}
	return w.sw.SetRow(cell, out)
}

func (w *xlsxWriter) close() error {
	defer w.f.Close()
	if err := w.sw.Flush(); err != nil {
		return err
	}
	return w.f.Write(w.out)
}

// columnKey is the catalogue key of a column's header; go-i18n keeps a few
// leaf names for itself, so those columns carry a suffix in the catalogue.
func columnKey(name string) string {
	switch name {
	case "id":
		return "csv.row_id"
	case "description":
		return "csv.description_col"
	}
	return "csv." + name
}
