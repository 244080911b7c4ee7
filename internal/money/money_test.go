package money

import (
	"errors"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  error
	}{
		{"100000000.0000", 100000000, nil},
		{"10000.00", 10000, nil},
		{"125000.0000", 125000, nil},
		{"15000", 15000, nil},
		{"-5000.00", -5000, nil},
		{"0", 0, nil},
		{"10000.50", 0, ErrFraction},
		{"", 0, ErrSyntax},
		{"1e5", 0, ErrSyntax},
		{"12.", 0, ErrSyntax},
		{".5", 0, ErrSyntax},
		{"99999999999999999999", 0, ErrSyntax},
		{"1,000", 0, ErrSyntax},
	}
	for _, c := range cases {
		got, err := ParseDecimal(c.in)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("ParseDecimal(%q) error = %v, want %v", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseDecimal(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := map[int64]string{
		0:          "Rp 0",
		999:        "Rp 999",
		1000:       "Rp 1.000",
		1967700:    "Rp 1.967.700",
		100000000:  "Rp 100.000.000",
		-2500:      "-Rp 2.500",
		1234567890: "Rp 1.234.567.890",
	}
	for in, want := range cases {
		if got := Format(in); got != want {
			t.Errorf("Format(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestDecimal(t *testing.T) {
	if got := Decimal(10000, 2); got != "10000.00" {
		t.Fatalf("Decimal = %q", got)
	}
	if got := Decimal(10000, 0); got != "10000" {
		t.Fatalf("Decimal = %q", got)
	}
}

func TestParseInput(t *testing.T) {
	good := map[string]int64{"1.250.000": 1250000, "Rp 50000": 50000, "10000": 10000, "Rp 1.967.700": 1967700, "10 000": 10000}
	for in, want := range good {
		got, err := ParseInput(in)
		if err != nil || got != want {
			t.Errorf("ParseInput(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "10,5", "10.5", "abc", "1.2345", "-100", "10000.00", "Rp"} {
		if _, err := ParseInput(in); err == nil {
			t.Errorf("ParseInput(%q) accepted", in)
		}
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"100000000.0000", "10000.00", "-1", "", "1.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseDecimal(s)
		if err != nil {
			return
		}
		back, err := ParseDecimal(Decimal(v, 2))
		if err != nil || back != v {
			t.Fatalf("round trip %q -> %d -> %d, %v", s, v, back, err)
		}
	})
}
