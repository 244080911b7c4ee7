// Package phone reads Indonesian mobile numbers as people type them
// (0812-3456-7890, +62 812 3456 7890, 62812…) into one canonical form,
// 628…, so the same customer is one number everywhere.
package phone

import (
	"strings"

	"backoffice/internal/i18n"
)

// Problem is what is wrong with a typed number: its text is the sentence a
// clerk sees beside the field.
type Problem string

func (p Problem) Error() string { return string(p) }

// The problems Normalise reports.
const (
	ErrEmpty    Problem = "Type the customer's mobile number."
	ErrNotDigit Problem = "Use digits only, like 0812 3456 7890 or +62 812 3456 7890."
	ErrNotID    Problem = "Use an Indonesian mobile number starting with 08 or +62 8."
	ErrLength   Problem = "An Indonesian mobile number has 10 to 13 digits with the leading 0."
)

// Normalise returns the number as 628…, or a sentence saying what is wrong.
// Spaces, dashes, dots and brackets are ignored; a leading +62, 62 or 0 is
// accepted.
func Normalise(in string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(in) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0':
		case r == '+' && i == 0:
		default:
			return "", ErrNotDigit
		}
	}
	d := b.String()
	if d == "" {
		return "", ErrEmpty
	}
	var national string // without the leading 0 or 62: 8…
	switch {
	case strings.HasPrefix(d, "62"):
		national = d[2:]
	case strings.HasPrefix(d, "0"):
		national = d[1:]
	default:
		return "", ErrNotID
	}
	if !strings.HasPrefix(national, "8") {
		return "", ErrNotID
	}
	if len(national) < 9 || len(national) > 12 {
		return "", ErrLength
	}
	return "62" + national, nil
}

// Local writes a canonical 628… number the way Indonesians read it: 08….
func Local(canonical string) string {
	if strings.HasPrefix(canonical, "62") {
		return "0" + canonical[2:]
	}
	return canonical
}

// Mask shows only the last four digits, for lists and exports.
func Mask(canonical string) string {
	if len(canonical) <= 4 {
		return strings.Repeat("•", len(canonical))
	}
	return "••••" + canonical[len(canonical)-4:]
}

// Prefix turns the typed start of a number (0812, +62 812, 62812, 812)
// into the start of its canonical 628… form, for prefix search; "" matches
// every number, and ok is false when q cannot be the start of one.
func Prefix(q string) (prefix string, ok bool) {
	q = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "").Replace(q)
	q = strings.TrimPrefix(q, "+")
	if q == "" {
		return "", true
	}
	if strings.Trim(q, "0123456789") != "" {
		return "", false
	}
	switch {
	case strings.HasPrefix(q, "0"):
		return "62" + q[1:], true
	case strings.HasPrefix(q, "62"), strings.HasPrefix("62", q):
		return q, true
	case strings.HasPrefix(q, "8"):
		return "62" + q, true
	}
	return "", false
}

// Message is the problem as a catalogue message, for the page in the
// reader's language; any other error reads as a number of the wrong length.
func Message(err error) i18n.Message {
	switch err {
	case ErrEmpty:
		return i18n.M("ovo.phone_empty")
	case ErrNotDigit:
		return i18n.M("ovo.phone_not_digit")
	case ErrNotID:
		return i18n.M("ovo.phone_not_id")
	}
	return i18n.M("ovo.phone_length")
}
