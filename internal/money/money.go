// Package money holds rupiah amounts as int64 and converts them to and from
// the decimal strings providers send ("100000000.0000", "10000.00") without
// ever passing through a float.
package money

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrFraction is returned when a decimal carries non-zero sen: rupiah
// transfers are whole, and silently rounding money is never right.
var ErrFraction = errors.New("money: amount has a fractional part")

// ErrSyntax is returned for text that is not a plain decimal number.
var ErrSyntax = errors.New("money: not a decimal amount")

// ParseDecimal parses a provider decimal such as "125000.0000", "10000.00",
// "-5000" or "15000" into whole rupiah. A fractional part must be all zeros.
func ParseDecimal(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrSyntax
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") {
		return 0, ErrSyntax
	}
	for _, r := range whole {
		if r < '0' || r > '9' {
			return 0, ErrSyntax
		}
	}
	for _, r := range frac {
		if r < '0' || r > '9' {
			return 0, ErrSyntax
		}
		if r != '0' {
			return 0, fmt.Errorf("%w: %q", ErrFraction, s)
		}
	}
	v, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q out of range", ErrSyntax, s)
	}
	if neg {
		v = -v
	}
	return v, nil
}

// Decimal formats whole rupiah with the given number of zero decimals, as
// providers expect them: Decimal(10000, 2) == "10000.00".
func Decimal(v int64, places int) string {
	s := strconv.FormatInt(v, 10)
	if places <= 0 {
		return s
	}
	return s + "." + strings.Repeat("0", places)
}

// Format prints an amount the Indonesian way: Format(1967700) == "Rp 1.967.700".
func Format(v int64) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	digits := strconv.FormatUint(u, 10)
	var b strings.Builder
	b.Grow(len(digits) + len(digits)/3 + 4)
	if neg {
		b.WriteString("-")
	}
	b.WriteString("Rp ")
	lead := len(digits) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(digits[:lead])
	for i := lead; i < len(digits); i += 3 {
		b.WriteByte('.')
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// ParseInput reads an amount a clerk typed: digits with optional thousands
// dots or spaces and an optional "Rp" prefix ("1.250.000", "Rp 50000").
// Commas and decimals are refused so that "10,5" never becomes 105.
func ParseInput(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "Rp"), "rp")
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrSyntax
	}
	var digits strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case (r == '.' || r == ' ') && i > 0:
			// thousands separator; a decimal part is caught by the group check below
		default:
			return 0, ErrSyntax
		}
	}
	if strings.ContainsAny(s, ". ") {
		groups := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == ' ' })
		for i, g := range groups {
			if (i > 0 && len(g) != 3) || len(g) == 0 || len(g) > 3 {
				return 0, ErrSyntax
			}
		}
	}
	v, err := strconv.ParseInt(digits.String(), 10, 64)
	if err != nil {
		return 0, ErrSyntax
	}
	return v, nil
}
