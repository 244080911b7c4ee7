package components

import (
	"bytes"
	"context"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

func render(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestTotalsSayWhenTheyAreCapped(t *testing.T) {
	d := render(t, Totals(TotalsProps{Count: 1000, Capped: true, ShowSum: true, Noun: "disbursements"}))
	if got := d.Find(`[data-testid=totals-count]`).Text(); got != "1.000+ disbursements" {
		t.Errorf("capped count %q", got)
	}
	if d.Find(`[data-testid=totals-capped]`).Length() != 1 || d.Find(`[data-testid=totals-sum]`).Length() != 0 {
		t.Error("a capped count must say so and show no sum")
	}
	d = render(t, Totals(TotalsProps{Count: 12345, Sum: 1967700, ShowSum: true, Noun: "disbursements"}))
	if d.Find(`[data-testid=totals-count]`).Text() != "12.345 disbursements" || d.Find(`[data-testid=totals-sum]`).Text() != "total Rp 1.967.700" {
		t.Errorf("totals %q %q", d.Find(`[data-testid=totals-count]`).Text(), d.Find(`[data-testid=totals-sum]`).Text())
	}
}

func TestPagerShowsOnlyTheLinksItHas(t *testing.T) {
	d := render(t, Pager(PagerProps{OlderURL: "/x?before=5", Shown: 50}))
	if d.Find(`[data-testid=pager-older]`).AttrOr("href", "") != "/x?before=5" || d.Find(`[data-testid=pager-newer]`).Length() != 0 || d.Find(`[data-testid=pager-first]`).Length() != 0 {
		t.Error("newest page links")
	}
	d = render(t, Pager(PagerProps{FirstURL: "/x", NewerURL: "/x?after=9", Shown: 3}))
	if d.Find(`[data-testid=pager-first]`).AttrOr("href", "") != "/x" || d.Find(`[data-testid=pager-newer]`).AttrOr("href", "") != "/x?after=9" ||
		d.Find(`[data-testid=pager-older]`).Length() != 0 || d.Find(`[data-testid=pager-shown]`).Text() != "3 shown" {
		t.Error("last page links")
	}
}

func TestFilterBarKeepsInputAndErrors(t *testing.T) {
	d := render(t, FilterBar(FilterBarProps{Action: "/x", TestID: "x-filters",
		Fields: []FieldProps{{Name: "min", Label: "Min", Value: "lots", Error: "Use whole rupiah, like 1.000.000."}},
		Checks: []CheckProps{{Name: "dup", Label: "Duplicates only", Checked: true}},
		Hidden: []Option{{Label: "batch", Value: "7"}}}))
	form := d.Find(`[data-testid=x-filters]`)
	if form.AttrOr("action", "") != "/x" || form.Find(`input[name=min]`).AttrOr("value", "") != "lots" ||
		form.Find(`[data-testid=error-min]`).Text() != "Use whole rupiah, like 1.000.000." {
		t.Error("field value or error lost")
	}
	if _, ok := form.Find(`input[name=dup]`).Attr("checked"); !ok || form.Find(`input[type=hidden][name=batch]`).AttrOr("value", "") != "7" {
		t.Error("checkbox or hidden id lost")
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1.000", 1234567: "1.234.567", -5000: "-5.000"} {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFieldMarksOnlyAnInvalidFieldAndTiesItsMessage(t *testing.T) {
	d := render(t, Field(FieldProps{Name: "amount", Label: "Amount", Value: "12x", Error: "Use whole rupiah, like 1.000.000.", Hint: "In rupiah."}))
	in := d.Find(`[data-testid=field-amount] input`)
	if got := in.AttrOr("aria-invalid", ""); got != "true" {
		t.Errorf("invalid field: aria-invalid=%q, want true", got)
	}
	msg := d.Find(`[data-testid=error-amount]`)
	if id := msg.AttrOr("id", ""); id == "" || in.AttrOr("aria-describedby", "") != id {
		t.Errorf("the error (id %q) is not tied to the input (aria-describedby %q)", id, in.AttrOr("aria-describedby", ""))
	}
	if d.Find(`label[for=f-amount]`).Text() != "Amount" || in.AttrOr("id", "") != "f-amount" {
		t.Error("the input has no visible label of its own")
	}

	d = render(t, Field(FieldProps{Name: "amount", Label: "Amount", Value: "12000", Hint: "In rupiah."}))
	in = d.Find(`[data-testid=field-amount] input`)
	if _, has := in.Attr("aria-invalid"); has {
		t.Error("a valid field carries aria-invalid")
	}
	hint := d.Find(`[data-testid=field-amount] .hint`)
	if id := hint.AttrOr("id", ""); id == "" || in.AttrOr("aria-describedby", "") != id {
		t.Errorf("the hint (id %q) is not tied to the input (aria-describedby %q)", id, in.AttrOr("aria-describedby", ""))
	}

	d = render(t, Field(FieldProps{Name: "bank", Label: "Bank", Error: "Choose a bank.", Filter: "Type to narrow the banks",
		Options: []Option{{Value: "", Label: "—"}, {Value: "014", Label: "Bank BCA (014)"}}}))
	sel := d.Find(`[data-testid=field-bank] select`)
	if sel.AttrOr("aria-invalid", "") != "true" || sel.AttrOr("aria-describedby", "") != d.Find(`[data-testid=error-bank]`).AttrOr("id", "-") {
		t.Error("an invalid select is not marked and tied to its message")
	}
	filter := d.Find(`[data-testid=filter-bank]`)
	if _, has := filter.Attr("placeholder"); has {
		t.Error("the filter box relies on a placeholder")
	}
	if id := filter.AttrOr("id", ""); id == "" || d.Find(`label[for=`+id+`]`).Text() != "Type to narrow the banks" {
		t.Error("the filter box has no label of its own")
	}

	d = render(t, Field(FieldProps{Name: "note", Label: "Note"}))
	in = d.Find(`[data-testid=field-note] input`)
	if _, has := in.Attr("aria-invalid"); has {
		t.Error("an untouched field carries aria-invalid")
	}
	if _, has := in.Attr("aria-describedby"); has {
		t.Error("a field with no message points aria-describedby at nothing")
	}
}

func TestTableScrollsInItsOwnBox(t *testing.T) {
	d := render(t, Table("things", []Header{{Label: "Reference"}, {Label: "Amount", Num: true}}))
	box := d.Find(`[data-testid=things-scroll]`)
	if !box.HasClass("table-scroll") || box.Find(`table[data-testid=things]`).Length() != 1 {
		t.Error("the table is not inside its scrolling box")
	}
	if d.Find(`th.num`).Text() != "Amount" || d.Find(`th[scope=col]`).Length() != 2 {
		t.Error("headers lost their alignment or scope")
	}
}
