package clerktext_test

import (
	"context"
	"errors"
	"testing"

	"backoffice/internal/i18n"
	"backoffice/internal/providers/clerktext"
	"backoffice/internal/providers/provider"
)

var (
	en = context.Background()
	id = i18n.With(context.Background(), i18n.ID)
)

func TestEnglishStaysAsTheProviderWroteIt(t *testing.T) {
	err := &provider.Error{Provider: "doku", Message: "The customer's OVO balance is not enough for this payment."}
	if got := clerktext.Text(en, err); got != err.Message {
		t.Fatalf("en = %q", got)
	}
	if got := clerktext.Text(id, err); got != i18n.In(i18n.ID, "doku.s403_14") {
		t.Fatalf("id = %q", got)
	}
}

func TestSentencesWithValuesAndParts(t *testing.T) {
	cases := map[string]string{
		// A placeholder matches any value.
		"Faspay refused the request (HTTP 403); nothing was done.": "Faspay menolak permintaan (HTTP 403); tidak ada yang dilakukan.",
		// A head and an advice, each known.
		"DOKU did not answer in time; nothing was moved; try again in a moment.":                                                               "DOKU tidak menjawab tepat waktu; tidak ada yang berpindah; coba lagi sebentar lagi.",
		"Ayopop refused the inquiry (code 399). This is not a final answer: do not pay again; ask Ayopop for the status again in 150 seconds.": "Ayopop menolak inkuiri (kode 399). Ini belum jawaban akhir: jangan bayar lagi; tanyakan status ke Ayopop lagi dalam 150 detik.",
		// The provider's own words in brackets stay as sent.
		"This phone number has no OVO account. Nothing was done. (Phone not registered as OVO account)": "Nomor telepon ini tidak memiliki akun OVO. Tidak ada yang dilakukan. (Phone not registered as OVO account)",
	}
	for in, want := range cases {
		if got := clerktext.Translate(id, in); got != want {
			t.Errorf("Translate(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	// An unknown sentence stays English rather than becoming a wrong one.
	if got := clerktext.Translate(id, "Something new from a provider."); got != "Something new from a provider." {
		t.Errorf("unknown sentence = %q", got)
	}
}

func TestTextOfOtherErrors(t *testing.T) {
	if got := clerktext.Text(id, i18n.Errorf("ovo.err_amount_min")); got != i18n.In(i18n.ID, "ovo.err_amount_min") {
		t.Errorf("an i18n error = %q", got)
	}
	if got := clerktext.Text(id, errors.New("plain")); got != "plain" {
		t.Errorf("a plain error = %q", got)
	}
	if clerktext.Text(id, nil) != "" {
		t.Error("nil error has text")
	}
}
