// Package components holds the small pieces every page is built from:
// fields, badges, money, times, pager, empty states.
package components

import (
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
