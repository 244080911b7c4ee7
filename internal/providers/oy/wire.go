package oy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"backoffice/internal/money"
)

// Jakarta is WIB. OY writes local times without a zone; Jakarta has had no
// DST since 1964, so a fixed zone avoids depending on tzdata.
var Jakarta = time.FixedZone("WIB", 7*60*60)

// Time layouts OY uses.
const (
	LayoutDisbursement = "02-01-2006 15:04:05"          // "16-10-2019 09:55:31"
	LayoutDateTime     = "2006-01-02 15:04:05"          // "2020-08-12 00:00:00"
	LayoutVACallback   = "02/01/2006T15:04:05.000-0700" // "31/01/2020T01:01:01.000+0000"
)

// parseLocal parses a zone-less OY time as WIB; the zero time when empty or
// not in any of the layouts (a bad timestamp never fails a money answer).
func parseLocal(s string, layouts ...string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, Jakarta); err == nil {
			return t
		}
	}
	return time.Time{}
}

// jsonAmount decodes whole rupiah from a JSON number ("125000",
// "100000000.0000") or a numeric string, exactly. null gives 0.
type jsonAmount int64

func (a *jsonAmount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*a = 0
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if strings.TrimSpace(s) == "" {
			*a = 0
			return nil
		}
	}
	v, err := money.ParseDecimal(s)
	if err != nil {
		return fmt.Errorf("amount %s: %w", b, err)
	}
	*a = jsonAmount(v)
	return nil
}

// jsonString accepts a string, a number or null.
type jsonString string

func (s *jsonString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		// Fast path for the common case, a plain string with no escapes:
		// callbacks are parsed on the hot path of intake.
		if len(b) >= 2 && b[len(b)-1] == '"' {
			if inner := b[1 : len(b)-1]; bytes.IndexByte(inner, '\\') < 0 && bytes.IndexByte(inner, '"') < 0 && utf8.Valid(inner) && !hasControl(inner) {
				*s = jsonString(inner)
				return nil
			}
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jsonString(v)
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = jsonString(n.String())
	case string(b) == "true" || string(b) == "false":
		*s = jsonString(b)
	default:
		return fmt.Errorf("expected a string, got %.20s", b)
	}
	return nil
}

// jsonBool accepts true/false, "true"/"false" and null.
type jsonBool bool

func (v *jsonBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		*v = true
	case "false", "0", "", "null":
		*v = false
	default:
		return fmt.Errorf("expected a boolean, got %.20s", b)
	}
	return nil
}

// wireStatus is OY's {"code": "...", "message": "..."} object.
type wireStatus struct {
	Code    jsonString `json:"code"`
	Message jsonString `json:"message"`
}

// parseAnyTime tries the layouts OY uses across products.
func parseAnyTime(s string) time.Time {
	return parseLocal(s, LayoutDateTime, LayoutDisbursement, LayoutVACallback, time.RFC3339Nano,
		"2006-01-02T15:04:05", "2006-01-02T15:04:05.000", "02-01-2006", "2006-01-02")
}

// msTime converts Unix milliseconds; -1 (no expiry) and 0 give the zero time.
func msTime(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).In(Jakarta)
}

// jsonInt decodes an integer sent as a number or a string; null gives 0.
type jsonInt int64

func (n *jsonInt) UnmarshalJSON(b []byte) error {
	var a jsonAmount
	if err := a.UnmarshalJSON(b); err != nil {
		return err
	}
	*n = jsonInt(a)
	return nil
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}
