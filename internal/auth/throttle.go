package auth

import "time"

// Sign-in throttling. Every attempt is counted before its password is
// checked (the store reserves it atomically), so parallel requests cannot
// all slip under a limit read before their failures were written.
const (
	ThrottleWindow = 15 * time.Minute
	// MaxPerAccountIP is the hard limit for one account from one address:
	// the guesser's own budget.
	MaxPerAccountIP = 5
	// MaxPerAccount is the softer limit for one account across every
	// address: it stops a spread-out guess without letting one stranger
	// lock the owner out.
	MaxPerAccount = 50
	// MaxPerIP limits one address across every account.
	MaxPerIP = 20
)

// pairDelays is how long after its last failure an account may be tried
// again from the same address, by the number of failures so far.
var pairDelays = []time.Duration{0, 0, 0, 10 * time.Second, 30 * time.Second}

// AttemptCounts are the failed (or still running) attempts in the window.
type AttemptCounts struct {
	Pair     int       // this account from this address
	PairLast time.Time // the latest of those
	Account  int       // this account from anywhere
	IP       int       // this address on any account
}

// ThrottleWait says how long the attempt must wait; 0 lets it run now.
// Counts past a hard limit wait until the window has moved on.
func ThrottleWait(c AttemptCounts, now time.Time) time.Duration {
	switch {
	case c.Pair >= MaxPerAccountIP, c.Account >= MaxPerAccount, c.IP >= MaxPerIP:
		return ThrottleWindow
	}
	if c.Pair < len(pairDelays) {
		if wait := c.PairLast.Add(pairDelays[c.Pair]).Sub(now); wait > 0 {
			return wait
		}
	}
	return 0
}
