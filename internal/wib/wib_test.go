package wib

import (
	"testing"
	"time"
)

func TestFormatShowsWIB(t *testing.T) {
	at := time.Date(2026, 12, 1, 23, 28, 5, 0, time.UTC)
	if got, want := Format(at), "02 Dec 2026 06:28:05 WIB"; got != want {
		t.Fatalf("Format = %q, want %q", got, want)
	}
	if got, want := Date(at), "02 Dec 2026"; got != want {
		t.Fatalf("Date = %q, want %q", got, want)
	}
	if Format(time.Time{}) != "—" {
		t.Fatal("zero time should print a dash")
	}
}

func TestParseDateAndStartOfDay(t *testing.T) {
	d, ok := ParseDate("2026-12-02")
	if !ok || !d.Equal(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("ParseDate = %v %v", d, ok)
	}
	if _, ok := ParseDate("02/12/2026"); ok {
		t.Fatal("a non-ISO date parsed")
	}
	if got := StartOfDay(time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)); !got.Equal(d) {
		t.Fatalf("StartOfDay = %v, want %v", got, d)
	}
}
