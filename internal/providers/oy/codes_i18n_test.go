package oy_test

import (
	"testing"

	"backoffice/internal/i18n"
	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
)

// The clerk's sentence of every documented code is in both catalogues, and
// its English text is the table's word for word: logs (English) and pages
// (the reader's language) say the same thing.
func TestClerkTextOfEveryCodeIsTranslated(t *testing.T) {
	for _, code := range append(oy.Codes(), "888") {
		m := oy.ClerkText(code)
		if !i18n.Has(i18n.EN, m.ID) || !i18n.Has(i18n.ID, m.ID) {
			t.Errorf("%s: key %q is missing from a catalogue", code, m.ID)
			continue
		}
		if got, want := m.String(), oy.ClerkMessage(code); got != want {
			t.Errorf("%s: catalogue says %q, the code table %q", code, got, want)
		}
		if id := i18n.In(i18n.ID, m.ID, m.Args...); id == m.String() {
			t.Errorf("%s: the Indonesian text is the English one: %q", code, id)
		}
	}
	// An error carrying a code's sentence is translated; other words stay as written.
	coded := &provider.Error{Code: "209", Message: oy.ClerkMessage("209")}
	if got := oy.ClerkTextOf(coded).In(i18n.With(t.Context(), i18n.ID)); got != i18n.In(i18n.ID, "oy.code_209") {
		t.Errorf("a 209 error in Indonesian: %q", got)
	}
	plain := &provider.Error{Message: "OY refused the request (HTTP 400); nothing was done."}
	if got := oy.ClerkTextOf(plain).In(i18n.With(t.Context(), i18n.ID)); got != plain.Message {
		t.Errorf("a sentence without a code changed: %q", got)
	}
}
