// Package retry repeats a provider call with jittered exponential backoff.
// Callers decide which failures are safe to repeat: reads, and writes that
// carry the same idempotency id (OY's partner_trx_id on 504/999).
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy bounds the attempts. The zero value makes one attempt.
type Policy struct {
	Attempts int           // total attempts, including the first
	Base     time.Duration // first backoff; doubled each time
	Max      time.Duration // cap for one backoff
}

// Default suits interactive screens: three attempts within about two seconds.
var Default = Policy{Attempts: 3, Base: 200 * time.Millisecond, Max: 2 * time.Second}

// Do calls fn until it succeeds, reports the failure as final, the attempts
// run out, or ctx ends. fn returns retryable=true only when repeating the
// call cannot move money twice.
func Do(ctx context.Context, p Policy, fn func(ctx context.Context, attempt int) (retryable bool, err error)) error {
	attempts := max(p.Attempts, 1)
	var err error
	for attempt := 1; ; attempt++ {
		var retryable bool
		retryable, err = fn(ctx, attempt)
		if err == nil || !retryable || attempt >= attempts {
			return err
		}
		t := time.NewTimer(p.Backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// Backoff is the wait after the given attempt: full jitter over an
// exponentially growing window, so that many clients do not retry in step.
func (p Policy) Backoff(attempt int) time.Duration {
	base := p.Base
	if base <= 0 {
		base = 100 * time.Millisecond
	}
	window := base << min(attempt-1, 20)
	if p.Max > 0 && window > p.Max {
		window = p.Max
	}
	return window/2 + rand.N(window/2+1)
}
