// Package listkit turns a declared list page — a filter spec, one store
// query, one templ row — into a served page: parsing and validation with
// a sentence beside each bad field (422, input kept), the query-string
// round trip, Newer / Older / First cursor links, and CSV and XLSX export
// of exactly what the filters select. See docs/lists.md.
package listkit

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/money"
	"backoffice/internal/store"
	"backoffice/internal/wib"
	"backoffice/web/templates/components"
)

// Kind says how a filter field is read and checked.
type Kind int

const (
	// Enum is one of Options; the empty value means any.
	Enum Kind = iota
	// Ref is the start of a reference (trx id, VA or account number).
	Ref
	// Text is free text, matched case-insensitively.
	Text
	// Dates is a range of whole WIB days: Name from, To to (inclusive).
	Dates
	// Amounts is a range of whole rupiah: Name from, To to (inclusive).
	Amounts
	// Flag is a checkbox sent as "1".
	Flag
	// ID is a positive id carried in the query, not shown (a batch).
	ID
)

// Field is one filter of a list page.
type Field struct {
	Kind Kind
	// Name is the query parameter; for a range, its lower bound's.
	Name string
	// To is a range's upper bound parameter.
	To string
	// Label and ToLabel are catalogue keys (internal/i18n), translated when
	// the bar is drawn.
	Label   string
	ToLabel string
	// Options of an Enum: a label that is a catalogue key is translated,
	// any other (a bank, a person) is shown as it is.
	Options []components.Option
	MaxLen  int // Ref, Text: 100 unless set
	// Wrong is the key of the sentence beside an Enum whose value is not an
	// option; "listkit.choose" ("Choose one from the list.") unless set.
	Wrong string
	// Check, for a Ref or Text, returns the key of the sentence beside a
	// typed value that cannot match (letters where a phone number starts);
	// "" is fine.
	Check func(string) string
}

// Spec declares a list page's filters.
type Spec struct {
	Path   string // the page, e.g. /disbursements
	TestID string // data-testid of the filter form
	Fields []Field
}

func (f Field) maxLen() int {
	if f.MaxLen > 0 {
		return f.MaxLen
	}
	return 100
}

func (f Field) params() []string {
	if f.Kind == Dates || f.Kind == Amounts {
		return []string{f.Name, f.To}
	}
	return []string{f.Name}
}

// Form is a list's filters as typed, read against its spec.
type Form struct {
	spec    *Spec
	raw     map[string]string
	Errors  map[string]i18n.Message
	Cursor  store.Cursor
	Format  string // "", "csv" or "xlsx"
	times   map[string][2]time.Time
	amounts map[string][2]int64
	ids     map[string]int64
}

// BadRequest is what a form answers for a malformed cursor or hidden id:
// nobody types those, so there is no field to show an error beside.
type BadRequest struct{ Param string }

func (e *BadRequest) Error() string { return "listkit: malformed " + e.Param }

// Parse reads and checks the filters in q. The returned error is a
// *BadRequest (answer 400); field errors are in Form.Errors (answer 422).
func (s *Spec) Parse(q url.Values) (*Form, error) {
	f := &Form{spec: s, raw: map[string]string{}, Errors: map[string]i18n.Message{},
		times: map[string][2]time.Time{}, amounts: map[string][2]int64{}, ids: map[string]int64{}}
	for _, fd := range s.Fields {
		for _, p := range fd.params() {
			v := q.Get(p)
			if fd.Kind != Enum {
				v = strings.TrimSpace(v)
			}
			f.raw[p] = v
		}
		v := f.raw[fd.Name]
		switch fd.Kind {
		case Enum:
			if v != "" && !slices.ContainsFunc(fd.Options, func(o components.Option) bool { return o.Value == v }) {
				f.Errors[fd.Name] = i18n.M(cmp.Or(fd.Wrong, "listkit.choose"))
			}
		case Ref, Text:
			if n := fd.maxLen(); len(v) > n {
				f.Errors[fd.Name] = i18n.M("listkit.too_long", "Max", n)
			} else if fd.Check != nil && v != "" {
				if key := fd.Check(v); key != "" {
					f.Errors[fd.Name] = i18n.M(key)
				}
			}
		case Flag:
			if v != "" && v != "1" {
				f.raw[fd.Name] = ""
			}
		case ID:
			if v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n <= 0 {
					return nil, &BadRequest{fd.Name}
				}
				f.ids[fd.Name] = n
			}
		case Dates:
			f.times[fd.Name] = f.parseDates(fd)
		case Amounts:
			f.amounts[fd.Name] = f.parseAmounts(fd)
		}
	}
	var err error
	if f.Cursor.Before, err = cursor(q, "before"); err != nil {
		return nil, err
	}
	if f.Cursor.After, err = cursor(q, "after"); err != nil {
		return nil, err
	}
	switch fm := q.Get("format"); fm {
	case "", "csv", "xlsx":
		f.Format = fm
	default:
		return nil, &BadRequest{"format"}
	}
	return f, nil
}

func cursor(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, &BadRequest{name}
	}
	return n, nil
}

// parseDates reads whole WIB days into [from, to) instants.
func (f *Form) parseDates(fd Field) (r [2]time.Time) {
	if v := f.raw[fd.Name]; v != "" {
		if t, ok := wib.ParseDate(v); ok {
			r[0] = t
		} else {
			f.Errors[fd.Name] = i18n.M("listkit.bad_date")
		}
	}
	if v := f.raw[fd.To]; v != "" {
		if t, ok := wib.ParseDate(v); ok {
			r[1] = t.AddDate(0, 0, 1)
		} else {
			f.Errors[fd.To] = i18n.M("listkit.bad_date")
		}
	}
	if !r[0].IsZero() && !r[1].IsZero() && !r[0].Before(r[1]) {
		f.Errors[fd.To] = i18n.M("listkit.dates_reversed")
	}
	return r
}

// parseAmounts reads whole rupiah ("1.000.000" or "1000000").
func (f *Form) parseAmounts(fd Field) (r [2]int64) {
	for i, p := range fd.params() {
		v := f.raw[p]
		if v == "" {
			continue
		}
		n, err := money.ParseInput(v)
		if err != nil {
			f.Errors[p] = i18n.M("listkit.bad_amount")
			continue
		}
		r[i] = n
	}
	if r[0] > 0 && r[1] > 0 && r[0] > r[1] {
		f.Errors[fd.To] = i18n.M("listkit.amounts_reversed")
	}
	return r
}

// OK reports that every filter could be read.
func (f *Form) OK() bool { return len(f.Errors) == 0 }

// Value is a filter as typed (trimmed).
func (f *Form) Value(name string) string { return f.raw[name] }

// Flag reports a ticked checkbox.
func (f *Form) Flag(name string) bool { return f.raw[name] == "1" }

// Dates is a date range field's [from, to) instants; zero sides are open.
func (f *Form) Dates(name string) (from, to time.Time) {
	r := f.times[name]
	return r[0], r[1]
}

// Amounts is an amount range field's bounds; zero sides are open.
func (f *Form) Amounts(name string) (lo, hi int64) {
	r := f.amounts[name]
	return r[0], r[1]
}

// ID is a hidden id field's value, zero when absent.
func (f *Form) ID(name string) int64 { return f.ids[name] }

// Query is the filters as typed, without cursor or format: the round trip
// every link of the page starts from.
func (f *Form) Query() url.Values {
	q := url.Values{}
	for _, fd := range f.spec.Fields {
		for _, p := range fd.params() {
			if v := f.raw[p]; v != "" {
				q.Set(p, v)
			}
		}
	}
	return q
}

// URL is the page with the filters, setting (or, with "", removing) the
// given key-value pairs.
func (f *Form) URL(kv ...string) string {
	q := f.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if enc := q.Encode(); enc != "" {
		return f.spec.Path + "?" + enc
	}
	return f.spec.Path
}

// Summary is the filters in a line, for the audit entry of an export.
func (f *Form) Summary() string {
	if enc := f.Query().Encode(); enc != "" {
		return enc
	}
	return "no filters"
}

// Bar is the filter bar's props in the request's language: every visible
// field with its value and error, in spec order.
func (f *Form) Bar(ctx context.Context) components.FilterBarProps {
	p := components.FilterBarProps{Action: f.spec.Path, TestID: f.spec.TestID}
	errOf := func(name string) string {
		if m, ok := f.Errors[name]; ok {
			return m.In(ctx)
		}
		return ""
	}
	for _, fd := range f.spec.Fields {
		fd.Label, fd.ToLabel = i18n.T(ctx, fd.Label), i18n.T(ctx, fd.ToLabel)
		if fd.Kind == Enum {
			opts := make([]components.Option, len(fd.Options))
			for i, o := range fd.Options {
				opts[i] = components.Option{Value: o.Value, Label: i18n.Maybe(ctx, o.Label)}
			}
			fd.Options = opts
		}
		switch fd.Kind {
		case Enum:
			p.Fields = append(p.Fields, components.FieldProps{Name: fd.Name, Label: fd.Label, Value: f.raw[fd.Name], Error: errOf(fd.Name), Options: fd.Options})
		case Ref, Text:
			p.Fields = append(p.Fields, components.FieldProps{Name: fd.Name, Label: fd.Label, Type: "search", Value: f.raw[fd.Name], Error: errOf(fd.Name), MaxLength: fd.maxLen()})
		case Dates:
			p.Fields = append(p.Fields,
				components.FieldProps{Name: fd.Name, Label: fd.Label, Type: "date", Value: f.raw[fd.Name], Error: errOf(fd.Name)},
				components.FieldProps{Name: fd.To, Label: fd.ToLabel, Type: "date", Value: f.raw[fd.To], Error: errOf(fd.To)})
		case Amounts:
			p.Fields = append(p.Fields,
				components.FieldProps{Name: fd.Name, Label: fd.Label, Value: f.raw[fd.Name], Error: errOf(fd.Name), Inputmode: "numeric", MaxLength: 20},
				components.FieldProps{Name: fd.To, Label: fd.ToLabel, Value: f.raw[fd.To], Error: errOf(fd.To), Inputmode: "numeric", MaxLength: 20})
		case Flag:
			p.Checks = append(p.Checks, components.CheckProps{Name: fd.Name, Label: fd.Label, Checked: f.Flag(fd.Name)})
		case ID:
			if v := f.raw[fd.Name]; v != "" {
				p.Hidden = append(p.Hidden, components.Option{Value: v, Label: fd.Name})
			}
		}
	}
	return p
}

// Pager is the cursor links around a page: First and Newer when this is
// not the newest page, Older when older rows remain.
func Pager[T any](f *Form, page store.Page[T]) components.PagerProps {
	p := components.PagerProps{Shown: len(page.Items)}
	if f.Cursor.Before > 0 || f.Cursor.After > 0 {
		p.FirstURL = f.URL()
	}
	if page.Newer > 0 {
		p.NewerURL = f.URL("after", strconv.FormatInt(page.Newer, 10))
	}
	if page.Next > 0 {
		p.OlderURL = f.URL("before", strconv.FormatInt(page.Next, 10))
	}
	return p
}

// Exports are the page's download links.
func (f *Form) Exports() components.ExportProps {
	return components.ExportProps{CSVURL: f.URL("format", "csv"), XLSXURL: f.URL("format", "xlsx")}
}
