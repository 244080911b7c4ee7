// Package components holds the small pieces every page is built from:
// fields, badges, money, times, pager, empty states.
package components

import (
	"strconv"

	"backoffice/internal/money"
)

// FormatMoney prints rupiah as "Rp 1.967.700".
func FormatMoney(v int64) string { return money.Format(v) }

// Option is one choice of a select.
type Option struct {
	Value, Label string
}

// FieldProps describes one labelled input with its error.
type FieldProps struct {
	Name         string
	Label        string
	Type         string // text, email, password, number, date, search
	Value        string
	Error        string
	Hint         string
	Required     bool
	MaxLength    int
	Autocomplete string
	Inputmode    string
	Options      []Option // for selects
	// Filter, for a long select, adds a box that narrows its options as
	// one types (web/static/js/select-filter.js); the text is its placeholder.
	Filter string
}

func (p FieldProps) id() string { return "f-" + p.Name }

// describedBy ties the field to the message shown under it: the error when
// there is one, else the hint.
func (p FieldProps) describedBy() string {
	switch {
	case p.Error != "":
		return p.id() + "-error"
	case p.Hint != "":
		return p.id() + "-hint"
	}
	return ""
}

func (p FieldProps) inputType() string {
	if p.Type == "" {
		return "text"
	}
	return p.Type
}

// BadgeKind picks the colour of a status badge.
type BadgeKind string

const (
	BadgeOK      BadgeKind = "ok"
	BadgeWarn    BadgeKind = "warn"
	BadgeBad     BadgeKind = "bad"
	BadgeInfo    BadgeKind = "info"
	BadgeNeutral BadgeKind = ""
)

// FormatCount prints a count with dots between thousands: 12.345.
func FormatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + FormatCount(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return s
}

// FilterBarProps is a list page's filter form.
type FilterBarProps struct {
	Action string // the page's path
	TestID string
	Fields []FieldProps
	Checks []CheckProps
	Hidden []Option // Label is the parameter name
}

// CheckProps is one checkbox filter.
type CheckProps struct {
	Name, Label string
	Checked     bool
}

// PagerProps is the cursor links around a page; empty URLs are not shown.
type PagerProps struct {
	FirstURL, NewerURL, OlderURL string
	Shown                        int
}

// ExportProps is the download links of a list.
type ExportProps struct {
	CSVURL, XLSXURL string
}

// Header is one column heading of a Table; Num right-aligns it.
type Header struct {
	Label string
	Num   bool
}

// TotalsProps is a list's count and sum. Capped: Count is a lower bound.
type TotalsProps struct {
	Count, Sum int64
	Capped     bool
	ShowSum    bool
	Noun       string
}
