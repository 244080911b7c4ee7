package ayopop

import (
	"testing"

	"backoffice/internal/providers/clerktext"
)

// TestEveryClerkSentenceIsTranslated: each code sentence, with each advice
// a call appends, has an Indonesian translation in the catalogue
// (internal/providers/clerktext).
func TestEveryClerkSentenceIsTranslated(t *testing.T) {
	var sentences []string
	for code := -1; code <= 1000; code++ {
		for _, op := range []string{"", "payment", "inquiry"} {
			sentences = append(sentences, codeError(op, 200, code, Message{}, 0, adviceFor(op)).Message)
		}
		sentences = append(sentences, CodeMessage(code))
	}
	for _, op := range []string{"payment", "inquiry"} {
		sentences = append(sentences, unreadable(op, 200).Message, unreadable(op, 502).Message, unreadableData(op, 200, 0, Message{}, 0).Message)
	}
	for _, s := range sentences {
		if !clerktext.Known(s) {
			t.Errorf("no Indonesian for %q", s)
		}
	}
}
