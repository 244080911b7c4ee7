package doku

import (
	"testing"

	"backoffice/internal/providers/clerktext"
)

// TestEveryClerkSentenceIsTranslated: each sentence Describe gives, for
// the listed codes, their generic cases and unlisted ones, has an
// Indonesian translation in the catalogue (internal/providers/clerktext).
func TestEveryClerkSentenceIsTranslated(t *testing.T) {
	codes := []string{"", "x", "2999999", "4019999", "4039999", "4189999", "5039999", "9999999"}
	for c := range codeMessages {
		codes = append(codes, c)
	}
	for status, cases := range caseMessages {
		for cs := range cases {
			codes = append(codes, status+ServicePayment+cs)
		}
	}
	sentences := []string{unreadableMessage(400), unreadableMessage(500)}
	for _, c := range codes {
		sentences = append(sentences, Describe(c))
	}
	for _, s := range sentences {
		if !clerktext.Known(s) {
			t.Errorf("no Indonesian for %q", s)
		}
	}
}
