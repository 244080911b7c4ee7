// Package diskspace watches the free space of the filesystem that holds the
// data directory. Under the configured floor the dashboard says so (/readyz,
// a banner for staff) and callers may shed work that only fills the disk;
// sign-in and approvals keep working.
package diskspace

import (
	"fmt"
	"sync"
	"time"
)

// checkEvery bounds how often the filesystem is asked; Low is called on
// every page and may be called on every callback.
const checkEvery = 5 * time.Second

// Monitor reports whether free space is below the floor. A nil *Monitor,
// or one with a zero floor, is never low.
type Monitor struct {
	path  string
	floor int64
	free  func(path string) (int64, error)
	now   func() time.Time

	mu      sync.Mutex
	checked time.Time
	last    Status
}

// Status is the outcome of one check.
type Status struct {
	Free  int64 // bytes available to the dashboard's user
	Floor int64
	Low   bool
	Err   error // the filesystem could not be asked; not counted as low
}

// Reason is a sentence for /readyz and the logs.
func (s Status) Reason() string {
	if !s.Low {
		return ""
	}
	return fmt.Sprintf("free disk space %s is below the floor of %s (DASHBOARD_MIN_FREE_DISK)", Human(s.Free), Human(s.Floor))
}

// New watches the filesystem holding path, with floor in bytes.
func New(path string, floor int64) *Monitor {
	return &Monitor{path: path, floor: floor, free: freeBytes, now: time.Now}
}

// WithFree replaces how free space is measured (tests of callers that
// cannot fill a real disk).
func (m *Monitor) WithFree(free func(path string) (int64, error)) *Monitor {
	m.free = free
	return m
}

// DiskLow reports whether free space is below the floor, from a check at
// most a few seconds old.
func (m *Monitor) DiskLow() bool { return m.Status().Low }

// Status returns the latest check, refreshing it when it is stale.
func (m *Monitor) Status() Status {
	if m == nil || m.floor <= 0 {
		return Status{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if now := m.now(); m.checked.IsZero() || now.Sub(m.checked) >= checkEvery {
		m.checked = now
		free, err := m.free(m.path)
		m.last = Status{Free: free, Floor: m.floor, Low: err == nil && free < m.floor, Err: err}
	}
	return m.last
}

// Human writes a byte count as "512 MB" or "1.5 GB" (powers of 1024).
func Human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
