package chart

import (
	"context"
	"math"
	"testing"

	"backoffice/internal/i18n"
)

func TestShortRupiah(t *testing.T) {
	id := i18n.With(context.Background(), i18n.ID)
	for v, want := range map[int64]string{
		0: "Rp 0", 999: "Rp 999", 1_000: "Rp 1 rb", 500_000: "Rp 500 rb", 1_234_567: "Rp 1,2 jt",
		2_500_000: "Rp 2,5 jt", 10_000_000: "Rp 10 jt", 3_000_000_000: "Rp 3 M", 1_500_000_000_000: "Rp 1,5 T",
		-250_000: "Rp -250 rb", 1_960_000: "Rp 2 jt",
	} {
		if got := ShortRupiah(id, v); got != want {
			t.Errorf("id ShortRupiah(%d) = %q, want %q", v, got, want)
		}
	}
	// English: the same figures with English abbreviations; thousands stay
	// grouped with dots in both languages, so the decimal stays a comma.
	for v, want := range map[int64]string{
		0: "Rp 0", 999: "Rp 999", 500_000: "Rp 500k", 1_234_567: "Rp 1,2m",
		3_000_000_000: "Rp 3bn", 1_500_000_000_000: "Rp 1,5tn", -250_000: "Rp -250k",
	} {
		if got := ShortRupiah(context.Background(), v); got != want {
			t.Errorf("en ShortRupiah(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestAxisStepsAreRoundAndCoverTheValues(t *testing.T) {
	for _, c := range []struct {
		lo, hi         int64
		wantLo, wantHi int64
		wantTicks      int
	}{
		{0, 1_234_567, 0, 1_500_000, 4}, // step 500 rb
		{0, 0, 0, 1, 2},
		{0, 90_000_000, 0, 100_000_000, 5},                  // step 25 jt
		{48_000_000, 52_000_000, 48_000_000, 52_000_000, 5}, // a balance: not from zero
		{5_000_000, 5_000_000, 4_500_000, 5_500_000, 5},     // one reading: room either side
		{100, 900, 0, 1_000, 5},
	} {
		ch := New(context.Background(), Default, c.lo, c.hi)
		if ch.Lo != c.wantLo || ch.Hi != c.wantHi || len(ch.YTicks) != c.wantTicks {
			t.Errorf("New(%d, %d): axis %d..%d with %d ticks %+v, want %d..%d with %d", c.lo, c.hi, ch.Lo, ch.Hi, len(ch.YTicks), ch.YTicks, c.wantLo, c.wantHi, c.wantTicks)
		}
		if ch.Y(ch.Lo) != ch.PlotBottom() || math.Abs(ch.Y(ch.Hi)-ch.PlotTop()) > 1e-9 {
			t.Errorf("New(%d, %d): axis ends at %v..%v, plot %v..%v", c.lo, c.hi, ch.Y(ch.Lo), ch.Y(ch.Hi), ch.PlotBottom(), ch.PlotTop())
		}
	}
}

func TestBandsLabelAtMostMax(t *testing.T) {
	ch := New(context.Background(), Default, 0, 100)
	labels := make([]string, 90)
	for i := range labels {
		labels[i] = string(rune('a' + i%26))
	}
	left, w := ch.Bands(labels, 8)
	if len(left) != 90 || len(ch.XTicks) > 8 || len(ch.XTicks) < 6 || ch.XTicks[0].Label != "a" {
		t.Fatalf("%d bands, ticks %+v", len(left), ch.XTicks)
	}
	if got := left[89] + w; math.Abs(got-ch.PlotRight()) > 1e-6 {
		t.Errorf("last band ends at %v, plot at %v", got, ch.PlotRight())
	}
	b := ch.Bar(left[0], w, 50, "t")
	if math.Abs(b.Y+b.H-ch.PlotBottom()) > 1e-9 || math.Abs(b.H-(ch.PlotBottom()-ch.PlotTop())/2) > 1e-9 {
		t.Errorf("bar of half the axis: %+v", b)
	}
}
