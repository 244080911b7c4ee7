package intake

import (
	"net/netip"
	"sync"
	"time"
)

// Keep is how much of a refused request is stored.
type Keep int

const (
	// KeepWhole stores the request as received.
	KeepWhole Keep = iota
	// KeepSample stores the first SampleBytes of the body, marked truncated.
	KeepSample
	// KeepCount stores nothing; the request is only counted.
	KeepCount
)

// SampleBytes is how much of a refused body a sample keeps.
const SampleBytes = 4 << 10

// RefusedBudget decides how much of each refused request (bad token, bad
// signature, disallowed source) is stored, so that strangers cannot fill
// the disk through the callback URLs: per source and minute, requests are
// stored whole up to WholeBytes, then as samples up to Samples, then only
// counted. Totals across all sources bound a flood from many addresses.
// Verified callbacks never ask it: they are always stored whole.
//
// It is an in-memory counter reset every minute: one mutex and one map
// look-up per refused request, no database read.
type RefusedBudget struct {
	WholeBytes      int64 // per source and minute
	Samples         int   // per source and minute
	TotalWholeBytes int64 // all sources together, per minute
	TotalSamples    int   // all sources together, per minute

	mu      sync.Mutex
	minute  int64
	sources map[netip.Prefix]*sourceUse
	whole   int64
	samples int
}

type sourceUse struct {
	whole    int64
	samples  int
	counting bool // the source is past its samples this minute
}

// maxSources bounds the map of one minute; later new sources are counted
// only (the totals would stop them soon anyway).
const maxSources = 10000

// NewRefusedBudget is the default budget: per source and minute 256 KiB
// whole and 64 samples (a provider with a wrong secret sending 1 KB
// callbacks keeps ~250 a minute whole), across sources 4 MiB and 1,024.
func NewRefusedBudget() *RefusedBudget {
	return &RefusedBudget{WholeBytes: 256 << 10, Samples: 64, TotalWholeBytes: 4 << 20, TotalSamples: 1024}
}

// Take decides what to keep of a refused request of size bytes (body and
// everything else stored with it) from ip, and uses up that much of the
// budget. first is true for the request that moves its source to KeepCount
// this minute (one log line per source and minute, not one per request).
func (b *RefusedBudget) Take(ip string, size int64, now time.Time) (keep Keep, first bool) {
	key := sourceKey(ip)
	minute := now.Unix() / 60
	b.mu.Lock()
	defer b.mu.Unlock()
	if minute != b.minute || b.sources == nil {
		b.minute, b.sources, b.whole, b.samples = minute, map[netip.Prefix]*sourceUse{}, 0, 0
	}
	u := b.sources[key]
	if u == nil {
		if len(b.sources) >= maxSources {
			return KeepCount, false
		}
		u = &sourceUse{}
		b.sources[key] = u
	}
	switch {
	case u.whole+size <= b.WholeBytes && b.whole+size <= b.TotalWholeBytes:
		u.whole += size
		b.whole += size
		return KeepWhole, false
	case u.samples < b.Samples && b.samples < b.TotalSamples:
		u.samples++
		b.samples++
		return KeepSample, false
	}
	first = !u.counting
	u.counting = true
	return KeepCount, first
}

// sourceKey is the address a budget belongs to: the IP, or its /64 for
// IPv6 (one host usually holds a whole /64). Unreadable addresses share
// one key.
func sourceKey(ip string) netip.Prefix {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		if ap, err := netip.ParseAddrPort(ip); err == nil {
			a = ap.Addr()
		} else {
			return netip.Prefix{}
		}
	}
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}
