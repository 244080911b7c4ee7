package phone

import (
	"errors"
	"testing"
)

func TestNormaliseAcceptsTheCommonForms(t *testing.T) {
	for _, in := range []string{"081234567890", "0812-3456-7890", "+62 812 3456 7890", "62812.3456.7890", " (0812) 3456 7890 "} {
		got, err := Normalise(in)
		if err != nil || got != "6281234567890" {
			t.Errorf("Normalise(%q) = %q, %v", in, got, err)
		}
	}
}

func TestNormaliseRefusesWithASentence(t *testing.T) {
	for in, want := range map[string]error{
		"":                ErrEmpty,
		"0812abc":         ErrNotDigit,
		"0812+345":        ErrNotDigit,
		"+1 415 555 0100": ErrNotID,
		"0212345678":      ErrNotID, // a Jakarta landline
		"0812345":         ErrLength,
		"08123456789012":  ErrLength,
	} {
		if _, err := Normalise(in); !errors.Is(err, want) {
			t.Errorf("Normalise(%q) = %v, want %v", in, err, want)
		}
	}
}

func TestLocalAndMask(t *testing.T) {
	if got := Local("6281234567890"); got != "081234567890" {
		t.Errorf("Local = %q", got)
	}
	if got := Mask("6281234567890"); got != "••••7890" {
		t.Errorf("Mask = %q", got)
	}
}

func TestPrefixReadsTheStartOfANumber(t *testing.T) {
	for in, want := range map[string]string{"0812": "62812", "+62 812": "62812", "62812": "62812", "812": "62812", "6": "6", "": ""} {
		if got, ok := Prefix(in); !ok || got != want {
			t.Errorf("Prefix(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"TU2612", "1234", "0812a"} {
		if _, ok := Prefix(in); ok {
			t.Errorf("Prefix(%q) took it for a phone", in)
		}
	}
}
