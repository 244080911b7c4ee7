// Package lifecycle is the life of an operation that moves money through a
// provider — a disbursement today; VA payments, checkout, OVO charges and
// top-ups next. Its rules, each a small pure piece:
//
//   - the operation's own reference is made once (Ref), stored before
//     anything is sent, and sent with every request about it;
//   - it is sent exactly once (Send): the caller claims the operation in
//     the store first, and an answer that does not arrive is never a
//     reason to send again;
//   - an unknown outcome is settled by the provider's status call, asked
//     again with Backoff until the state is final; a provider that has no
//     record of the reference long after it was sent (NotFoundFailed) never
//     received it;
//   - the state never moves backwards (Stages).
//
// The package knows no database and no particular provider: outcomes are
// the providers' shared vocabulary (internal/providers/provider), and the
// caller stores what the rules decide.
package lifecycle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"math"
	"strings"
	"time"

	"backoffice/internal/providers/provider"
)

// Ref makes an operation's reference: prefix, the UTC date and ten random
// hex digits, letters and digits only (what every provider accepts).
// Make it once, store it, and reuse it for every request about the
// operation, so the provider can recognise a repeat and a status call can
// find it.
func Ref(prefix string, at time.Time) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + at.UTC().Format("060102") + strings.ToUpper(hex.EncodeToString(b))
}

// Send makes the operation's one request, with its own deadline and
// detached from the caller's cancellation (an approver closing the tab
// must not turn a sent request into a lost answer), and says what it did
// in the providers' one outcome vocabulary: Succeeded when the provider
// answered (its answer decides the state), Rejected when it refused and no
// money moved, Unknown (or Pending) when the state must be settled by the
// status call, never by sending again. The caller must have claimed the
// operation first, so Send runs once.
func Send[T any](ctx context.Context, timeout time.Duration, send func(context.Context) (T, error)) (T, provider.Outcome, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	v, err := send(ctx)
	return v, provider.OutcomeOf(err), err
}

// Backoff spaces the status checks of an operation that is not final yet:
// First after the send, doubling with every check, never more than Max.
type Backoff struct {
	First, Max time.Duration
}

// After is the wait before the next status check, after checks checks.
func (b Backoff) After(checks int) time.Duration {
	d := time.Duration(float64(b.First) * math.Pow(2, float64(min(max(checks, 0), 30))))
	return min(d, b.Max)
}

// Next is the time of the next status check, after checks checks, from now.
func (b Backoff) Next(checks int, now time.Time) time.Time { return now.Add(b.After(checks)) }

// NotFoundFailed reports whether a provider's "no such reference" answer
// to a status call means the request never arrived: only once grace has
// passed since it was sent, as a provider may take a moment to record it.
func NotFoundFailed(sentAt, now time.Time, grace time.Duration) bool {
	return now.Sub(sentAt) >= grace
}

// Stages orders an operation's states so it never moves backwards: states
// in one stage may alternate (in progress and pending at the bank), a later
// stage is always reachable, and the last stage is final.
type Stages[S comparable] struct {
	rank  map[S]int
	final int
}

// NewStages lists the stages in order; the last one holds the final states.
func NewStages[S comparable](stages ...[]S) Stages[S] {
	st := Stages[S]{rank: map[S]int{}, final: len(stages) - 1}
	for i, stage := range stages {
		for _, s := range stage {
			st.rank[s] = i
		}
	}
	return st
}

// Final reports whether s never changes again.
func (st Stages[S]) Final(s S) bool {
	r, ok := st.rank[s]
	return ok && r == st.final
}

// CanMove reports whether an operation may go from one state to another:
// never out of a final state, never to an unknown state or an earlier
// stage, and not to the state it is in.
func (st Stages[S]) CanMove(from, to S) bool {
	rf, okf := st.rank[from]
	rt, okt := st.rank[to]
	if !okt || from == to || st.Final(from) {
		return false
	}
	return !okf || rt >= rf
}

// Poller settles operations that are not final: Poll runs every Every
// until the context ends, and Read (a balance reading; may be nil) at
// start and then every ReadEvery. Failures are logged under Name and
// never stop the loop.
type Poller struct {
	Name      string
	Log       *slog.Logger
	Every     time.Duration
	Poll      func(context.Context) error
	ReadEvery time.Duration
	Read      func(context.Context) error
}

// Run loops until ctx ends.
func (p Poller) Run(ctx context.Context) {
	t := time.NewTicker(p.Every)
	defer t.Stop()
	var lastRead time.Time
	for {
		if p.Read != nil && time.Since(lastRead) >= p.ReadEvery {
			lastRead = time.Now()
			if err := p.Read(ctx); err != nil && ctx.Err() == nil {
				p.Log.Warn(p.Name+": background balance read", "err", err.Error())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.Poll(ctx); err != nil && ctx.Err() == nil {
				p.Log.Error(p.Name+" poller", "err", err.Error())
			}
		}
	}
}
