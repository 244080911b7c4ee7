package diskspace

import (
	"strings"
	"testing"
	"time"
)

// The real filesystem under a temporary directory: a floor far above its
// free space is low, one of a byte is not, and zero turns the check off.
func TestFloorAgainstTheRealFilesystem(t *testing.T) {
	dir := t.TempDir()
	free, err := freeBytes(dir)
	if err != nil || free <= 0 {
		t.Fatalf("free space of %s: %d, %v", dir, free, err)
	}
	high := New(dir, free+1<<40).Status()
	if !high.Low || high.Free <= 0 || !strings.Contains(high.Reason(), "below the floor") {
		t.Errorf("floor above free space: %+v %q", high, high.Reason())
	}
	if New(dir, 1).DiskLow() {
		t.Error("a floor of one byte is low")
	}
	if New(dir, 0).DiskLow() || (*Monitor)(nil).DiskLow() {
		t.Error("a disabled monitor is low")
	}
	if st := New(dir+"/missing", 1<<20).Status(); st.Low || st.Err == nil {
		t.Errorf("unmeasurable path: %+v", st)
	}
}

// The filesystem is asked at most every few seconds.
func TestChecksAreCached(t *testing.T) {
	calls, free := 0, int64(10<<20)
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	m := New("/", 20<<20).WithFree(func(string) (int64, error) { calls++; return free, nil })
	m.now = func() time.Time { return now }
	if !m.DiskLow() {
		t.Fatal("10 MB free under a 20 MB floor is not low")
	}
	free = 30 << 20
	if !m.DiskLow() || calls != 1 {
		t.Fatalf("asked %d times within the interval", calls)
	}
	now = now.Add(checkEvery)
	if m.DiskLow() || calls != 2 {
		t.Fatalf("not refreshed after the interval: %d calls", calls)
	}
}
