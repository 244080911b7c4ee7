package intake

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRefusedBudgetKeepsWholeThenSamplesThenCounts(t *testing.T) {
	b := &RefusedBudget{WholeBytes: 1000, Samples: 2, TotalWholeBytes: 2500, TotalSamples: 4}
	at := time.Date(2026, 12, 2, 1, 0, 10, 0, time.UTC)
	type step struct {
		ip    string
		size  int64
		want  Keep
		first bool
	}
	steps := []step{
		{"10.0.0.1", 600, KeepWhole, false},
		{"10.0.0.1", 400, KeepWhole, false}, // exactly the budget
		{"10.0.0.1", 1, KeepSample, false},
		{"10.0.0.1", 10, KeepSample, false},
		{"10.0.0.1", 10, KeepCount, true}, // the first counted: one log line
		{"10.0.0.1", 10, KeepCount, false},
		{"10.0.0.2:4431", 1000, KeepWhole, false}, // another source has its own budget
		{"10.0.0.3", 600, KeepSample, false},      // the total whole bytes (2,500) would be passed
		{"10.0.0.3", 400, KeepWhole, false},
		{"10.0.0.4", 200, KeepSample, false},
		{"10.0.0.5", 200, KeepCount, true}, // the total samples (4) are used up
		{"2001:db8::1", 900, KeepCount, true},
	}
	for i, s := range steps {
		if got, first := b.Take(s.ip, s.size, at); got != s.want || first != s.first {
			t.Fatalf("step %d (%s, %d bytes): %v first %v, want %v first %v", i, s.ip, s.size, got, first, s.want, s.first)
		}
	}
	next := at.Add(50 * time.Second) // a new minute starts every budget afresh
	if got, _ := b.Take("10.0.0.1", 1000, next); got != KeepWhole {
		t.Fatalf("next minute: %v", got)
	}
	// One IPv6 host usually holds a whole /64: it shares one budget.
	if got, _ := b.Take("2001:db8::1", 900, next); got != KeepWhole {
		t.Fatalf("first from the /64: %v", got)
	}
	if got, _ := b.Take("[2001:db8::ffff]:443", 900, next); got != KeepSample {
		t.Fatalf("second from the same /64: %v", got)
	}
	if got, _ := b.Take("2001:db8:0:1::1", 900, next); got != KeepSample {
		t.Fatalf("another /64 whose whole budget the total (2,500) no longer allows: %v", got)
	}
}

func TestRefusedBudgetBoundsItsMemory(t *testing.T) {
	b := &RefusedBudget{WholeBytes: 1 << 20, Samples: 1, TotalWholeBytes: 1 << 40, TotalSamples: 1 << 20}
	at := time.Now()
	for i := range maxSources + 10 {
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		b.Take(ip, 1, at)
	}
	if len(b.sources) != maxSources {
		t.Fatalf("%d sources remembered, want at most %d", len(b.sources), maxSources)
	}
	if got, _ := b.Take("192.168.1.1", 1, at); got != KeepCount {
		t.Fatalf("a new source past the limit: %v", got)
	}
}

func TestHeadersJSONWithinBoundsASample(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}, "X-Pad": {strings.Repeat("é", 5000)}}
	for i := range 200 {
		h.Set("X-Filler-"+strings.Repeat("a", i%7)+string(rune('A'+i%26))+string(rune('A'+i/26)), strings.Repeat("v", 100))
	}
	got := HeadersJSONWithin(h, 2048)
	if len(got) > 2048+256 || !utf8.ValidString(got) || !strings.Contains(got, `"Content-Type":"application/json"`) || !strings.Contains(got, "more headers") {
		t.Fatalf("%d bytes: %.300s", len(got), got)
	}
	small := http.Header{"Content-Type": {"application/json"}}
	if HeadersJSONWithin(small, 2048) != HeadersJSON(small) {
		t.Fatal("small headers are not kept as they are")
	}
}
