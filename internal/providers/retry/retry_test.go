package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDoStopsOnSuccessAndFinalErrors(t *testing.T) {
	p := Policy{Attempts: 5, Base: time.Millisecond, Max: 2 * time.Millisecond}
	calls := 0
	err := Do(context.Background(), p, func(context.Context, int) (bool, error) {
		calls++
		if calls < 3 {
			return true, errors.New("busy")
		}
		return false, nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err=%v calls=%d, want nil after 3", err, calls)
	}

	calls = 0
	final := errors.New("rejected")
	err = Do(context.Background(), p, func(context.Context, int) (bool, error) {
		calls++
		return false, final
	})
	if !errors.Is(err, final) || calls != 1 {
		t.Fatalf("final error retried: err=%v calls=%d", err, calls)
	}

	calls = 0
	err = Do(context.Background(), p, func(context.Context, int) (bool, error) {
		calls++
		return true, errors.New("still busy")
	})
	if err == nil || calls != 5 {
		t.Fatalf("want 5 attempts and an error, got %d, %v", calls, err)
	}
}

func TestBackoffStaysWithinWindow(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Max: time.Second}
	for attempt := 1; attempt < 30; attempt++ {
		d := p.Backoff(attempt)
		if d < 50*time.Millisecond || d > time.Second {
			t.Fatalf("attempt %d backoff %v outside [50ms, 1s]", attempt, d)
		}
	}
}
