package i18n

import (
	"context"
	"testing"
	"time"
)

func TestEveryKeyIsInBothLanguages(t *testing.T) {
	for _, a := range Langs {
		for _, b := range Langs {
			if a == b {
				continue
			}
			for _, k := range Keys(a) {
				if !Has(b, k) {
					t.Errorf("key %q is in the %s catalogue but not in %s", k, a, b)
				}
			}
		}
	}
}

func TestTranslatesWithArguments(t *testing.T) {
	id := With(context.Background(), ID)
	if got := T(id, "list.shown", "Count", 1); got != "1 ditampilkan" {
		t.Fatalf("id list.shown = %q", got)
	}
	if got := T(context.Background(), "list.shown", "Count", 50); got != "50 shown" {
		t.Fatalf("en list.shown = %q", got)
	}
	if got := T(id, "no.such_key"); got != "no.such_key" {
		t.Fatalf("a missing key should come back as itself, got %q", got)
	}
}

func TestNegotiate(t *testing.T) {
	cases := map[string]Lang{
		"":                          EN,
		"id-ID,id;q=0.9,en;q=0.8":   ID,
		"en-US,en;q=0.9":            EN,
		"ms-MY":                     ID,
		"fr-FR":                     EN,
		"en;q=0.5, id;q=0.9":        ID,
		"garbage;;;q=x":             EN,
		"jv-ID, id;q=0.8, en;q=0.1": ID,
	}
	for h, want := range cases {
		if got := Negotiate(h); got != want {
			t.Errorf("Negotiate(%q) = %s, want %s", h, got, want)
		}
	}
}

func TestDatesInTheLanguage(t *testing.T) {
	at := time.Date(2026, 12, 1, 23, 28, 5, 0, time.UTC)
	id := With(context.Background(), ID)
	if got, want := Time(id, at), "02 Des 2026 06:28:05 WIB"; got != want {
		t.Fatalf("id Time = %q, want %q", got, want)
	}
	if got, want := Minute(id, at), "2 Des 2026 06:28 WIB"; got != want {
		t.Fatalf("id Minute = %q, want %q", got, want)
	}
	if got, want := Time(context.Background(), at), "02 Dec 2026 06:28:05 WIB"; got != want {
		t.Fatalf("en Time = %q, want %q", got, want)
	}
	if got := Weekday(id, at.In(time.FixedZone("WIB", 7*3600)).Weekday()); got != "Rab" {
		t.Fatalf("2 Dec 2026 is a Wednesday (Rabu), got %q", got)
	}
	if Time(id, time.Time{}) != "—" {
		t.Fatal("zero time should print a dash")
	}
}

func TestErrText(t *testing.T) {
	err := Errorf("list.shown", "Count", 3)
	if err.Error() != "3 shown" {
		t.Fatalf("Error() = %q", err.Error())
	}
	if got := ErrText(With(context.Background(), ID), err); got != "3 ditampilkan" {
		t.Fatalf("ErrText = %q", got)
	}
}
