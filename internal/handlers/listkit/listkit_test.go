package listkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"backoffice/web/templates/components"
)

func TestSafeGuardsFormulasIncludingFullWidth(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+62": "'+62", "-5": "'-5", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"＝1+1": "'＝1+1", "＋62": "'＋62", "－5": "'－5", "＠SUM(A1)": "'＠SUM(A1)",
		"plain": "plain", "": "", "0012345": "0012345", "a=b": "a=b",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}

var testSpec = &Spec{Path: "/things", TestID: "thing-filters", Fields: []Field{
	{Kind: Ref, Name: "q", Label: "Reference"},
	{Kind: Enum, Name: "status", Label: "Status", Options: []components.Option{{Value: ""}, {Value: "ok"}, {Value: "bad"}}, Wrong: "listkit.choose"},
	{Kind: Dates, Name: "from", To: "to", Label: "From", ToLabel: "To"},
	{Kind: Amounts, Name: "min", To: "max", Label: "Min", ToLabel: "Max"},
	{Kind: Flag, Name: "dup", Label: "Duplicates"},
	{Kind: ID, Name: "batch"},
}}

func TestParseReadsEveryKindAndRoundTrips(t *testing.T) {
	q, _ := url.ParseQuery("q=+P-12+&status=ok&from=2026-11-01&to=2026-11-07&min=1.000&max=2000000&dup=1&batch=9&before=40&junk=x")
	f, err := testSpec.Parse(q)
	if err != nil || !f.OK() {
		t.Fatalf("%v %v", err, f.Errors)
	}
	from, to := f.Dates("from")
	if want := time.Date(2026, 10, 31, 17, 0, 0, 0, time.UTC); !from.Equal(want) || !to.Equal(want.AddDate(0, 0, 7)) {
		t.Fatalf("dates %v %v", from, to)
	}
	if lo, hi := f.Amounts("min"); lo != 1000 || hi != 2000000 {
		t.Fatalf("amounts %d %d", lo, hi)
	}
	if f.Value("q") != "P-12" || !f.Flag("dup") || f.ID("batch") != 9 || f.Cursor.Before != 40 {
		t.Fatalf("values %q %v %d %+v", f.Value("q"), f.Flag("dup"), f.ID("batch"), f.Cursor)
	}
	// The round trip keeps the filters as typed, drops cursor and noise.
	want := "/things?batch=9&dup=1&from=2026-11-01&max=2000000&min=1.000&q=P-12&status=ok&to=2026-11-07"
	if got := f.URL(); got != want {
		t.Fatalf("URL = %q", got)
	}
	again, _ := url.Parse(f.URL("after", "7"))
	f2, err := testSpec.Parse(again.Query())
	if err != nil || f2.URL() != want || f2.Cursor.After != 7 {
		t.Fatalf("second trip %q %+v %v", f2.URL(), f2.Cursor, err)
	}
	bar := f.Bar(context.Background())
	if len(bar.Fields) != 6 || len(bar.Checks) != 1 || !bar.Checks[0].Checked || len(bar.Hidden) != 1 || bar.TestID != "thing-filters" {
		t.Fatalf("bar %+v", bar)
	}
}

func TestParseWritesASentenceBesideEachBadField(t *testing.T) {
	q, _ := url.ParseQuery("status=maybe&from=01/11/2026&to=2026-10-01&min=lots&max=5&q=" + string(make([]byte, 101)))
	f, err := testSpec.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"status": "Choose one from the list.", "from": "Use a date like 2026-11-21.", "min": "Use whole rupiah, like 1.000.000.",
		"q": "Use at most 100 characters.",
	}
	for k, v := range want {
		if got := f.Errors[k].String(); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if f.Value("status") != "maybe" || f.Value("min") != "lots" {
		t.Fatal("the input was not kept")
	}
	q2, _ := url.ParseQuery("from=2026-11-07&to=2026-11-01&min=5000&max=100")
	f2, _ := testSpec.Parse(q2)
	if f2.Errors["to"].String() != "The end date is before the start date." || f2.Errors["max"].String() != "The upper amount is below the lower one." {
		t.Fatalf("ranges %v", f2.Errors)
	}
	for _, bad := range []string{"before=x", "after=-1", "batch=0", "format=pdf"} {
		q, _ := url.ParseQuery(bad)
		var br *BadRequest
		if _, err := testSpec.Parse(q); !errors.As(err, &br) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// Rows past a sheet's last row go on to the next sheet under its own
// header, so an export of more rows than Excel holds is still whole.
func TestXLSXContinuesOnTheNextSheet(t *testing.T) {
	var buf bytes.Buffer
	w, err := newXLSXWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.maxRows = 3
	cols := []Column{{Name: "id", Type: NumberColumn}, {Name: "account"}, {Name: "amount", Type: MoneyColumn}, {Name: "at", Type: TimeColumn}}
	if err := w.header(cols, func(s string) string { return s }); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)
	for i := range 5 {
		if err := w.row(cols, []any{int64(i + 1), "007", int64(1500000), at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	got := map[string][][]string{}
	for _, sh := range x.GetSheetList() {
		got[sh], _ = x.GetRows(sh)
	}
	want := map[string][][]string{
		"Sheet1": {{"id", "account", "amount", "at (WIB)"}, {"1", "007", "Rp 1,500,000", "2026-12-02 06:30:00"}, {"2", "007", "Rp 1,500,000", "2026-12-02 06:30:00"}},
		"Sheet2": {{"id", "account", "amount", "at (WIB)"}, {"3", "007", "Rp 1,500,000", "2026-12-02 06:30:00"}, {"4", "007", "Rp 1,500,000", "2026-12-02 06:30:00"}},
		"Sheet3": {{"id", "account", "amount", "at (WIB)"}, {"5", "007", "Rp 1,500,000", "2026-12-02 06:30:00"}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sheets:\n got %v\nwant %v", got, want)
	}
}
