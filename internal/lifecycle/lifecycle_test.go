package lifecycle

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"backoffice/internal/providers/provider"
)

func TestRefIsMadeOfLettersAndDigits(t *testing.T) {
	at := time.Date(2026, 12, 1, 20, 0, 0, 0, time.FixedZone("WIB", 7*3600)) // 13:00 UTC
	a, b := Ref("BO", at), Ref("BO", at)
	if !regexp.MustCompile(`^BO261201[0-9A-F]{10}$`).MatchString(a) {
		t.Fatalf("Ref = %q", a)
	}
	if a == b {
		t.Fatalf("two refs are equal: %q", a)
	}
}

func TestSendClassifiesAndOutlivesTheCaller(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the approver closed the tab
	calls := 0
	v, res, err := Send(ctx, time.Second, func(ctx context.Context) (string, error) {
		calls++
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if _, ok := ctx.Deadline(); !ok {
			t.Error("send runs without a deadline")
		}
		return "000", nil
	})
	if v != "000" || res != provider.Succeeded || err != nil || calls != 1 {
		t.Fatalf("answered send: %q %v %v calls=%d", v, res, err, calls)
	}
	if _, res, _ := Send(context.Background(), time.Second, func(context.Context) (int, error) {
		return 0, &provider.Error{Provider: "oy", Op: "remit", Outcome: provider.Rejected}
	}); res != provider.Rejected {
		t.Errorf("refused send: %v", res)
	}
	if _, res, _ := Send(context.Background(), time.Second, func(context.Context) (int, error) {
		return 0, &provider.Error{Provider: "oy", Op: "remit", Outcome: provider.Unknown}
	}); res != provider.Unknown {
		t.Errorf("lost answer: %v", res)
	}
	_, res, err = Send(context.Background(), 10*time.Millisecond, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	if res != provider.Unknown || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("send past its deadline: %v %v", res, err)
	}
}

func TestBackoffDoublesUpToItsMaximum(t *testing.T) {
	b := Backoff{First: 5 * time.Second, Max: 10 * time.Minute}
	for checks, want := range []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second} {
		if got := b.After(checks); got != want {
			t.Errorf("After(%d) = %v, want %v", checks, got, want)
		}
	}
	if got := b.After(1000); got != 10*time.Minute {
		t.Errorf("After(1000) = %v", got)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if got := b.Next(0, now); !got.Equal(now.Add(5 * time.Second)) {
		t.Errorf("Next(0) = %v", got)
	}
}

func TestNotFoundFailsOnlyAfterGrace(t *testing.T) {
	sent := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if NotFoundFailed(sent, sent.Add(29*time.Minute), 30*time.Minute) {
		t.Error("failed within grace")
	}
	if !NotFoundFailed(sent, sent.Add(30*time.Minute), 30*time.Minute) {
		t.Error("not failed after grace")
	}
}

func TestStagesNeverMoveBackwards(t *testing.T) {
	st := NewStages([]string{"new"}, []string{"sent"}, []string{"processing", "pending"}, []string{"paid", "failed"})
	for _, c := range []struct {
		from, to string
		ok       bool
	}{
		{"new", "sent", true}, {"new", "paid", true}, {"processing", "pending", true}, {"pending", "processing", true},
		{"sent", "new", false}, {"paid", "processing", false}, {"paid", "failed", false}, {"sent", "sent", false}, {"sent", "bogus", false},
	} {
		if got := st.CanMove(c.from, c.to); got != c.ok {
			t.Errorf("%s → %s: %v, want %v", c.from, c.to, got, c.ok)
		}
	}
	if !st.Final("failed") || st.Final("pending") || st.Final("bogus") {
		t.Error("Final is wrong")
	}
}

// The poller reads the balance at start and polls on every tick; a failure
// is logged and the loop goes on until the context ends.
func TestPollerReadsAtStartAndPollsEachTick(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var polls, reads int
	done := make(chan struct{})
	go func() {
		Poller{Name: "test", Log: slog.New(slog.DiscardHandler), Every: time.Millisecond,
			Poll: func(context.Context) error {
				if polls++; polls == 5 {
					cancel()
				}
				return errors.New("provider down")
			},
			ReadEvery: time.Hour, Read: func(context.Context) error { reads++; return nil },
		}.Run(ctx)
		close(done)
	}()
	<-done
	if polls != 5 || reads != 1 {
		t.Fatalf("polls=%d reads=%d, want 5 polls and one read at start", polls, reads)
	}
}
