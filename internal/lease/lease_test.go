package lease

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/internal/db"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/store"
)

// Short timing for tests; production uses TTL and Renew.
const (
	testTTL   = 600 * time.Millisecond
	testRenew = 100 * time.Millisecond
)

// replicas opens n stores on one new database, each with its own pools,
// as n replicas would, and makes each one's leases.
func replicas(t *testing.T, n int) ([]*store.Store, []*Leases) {
	t.Helper()
	url := dbtest.URL(t, "dashboard.db")
	var stores []*store.Store
	var leases []*Leases
	for i := range n {
		d, err := db.Open(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		st := store.New(d)
		if i == 0 {
			if _, err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		l, err := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{TTL: testTTL, Renew: testRenew, Holder: string(rune('a' + i))})
		if err != nil {
			t.Fatal(err)
		}
		stores, leases = append(stores, st), append(leases, l)
	}
	return stores, leases
}

// job is a background loop that records who runs it and how many run it at once.
type job struct {
	mu      sync.Mutex
	running map[string]bool
	most    int         // most replicas seen running it at once
	started chan string // each start, by holder
	stopped chan string // each stop, by holder
}

func newJob() *job {
	return &job{running: map[string]bool{}, started: make(chan string, 100), stopped: make(chan string, 100)}
}

func (j *job) loop(holder string) func(context.Context) {
	return func(ctx context.Context) {
		j.mu.Lock()
		j.running[holder] = true
		j.most = max(j.most, len(j.running))
		j.mu.Unlock()
		j.started <- holder
		<-ctx.Done()
		j.mu.Lock()
		delete(j.running, holder)
		j.mu.Unlock()
		j.stopped <- holder
	}
}

func (j *job) mostAtOnce() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.most
}

// run starts l.Run for the job and returns the function that ends it
// without releasing the lease (a killed replica), waiting for Run to return.
func run(l *Leases, name string, j *job) (kill func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Run(ctx, name, j.loop(l.Holder()))
	}()
	return func() { cancel(); <-done }
}

func waitFor(t *testing.T, ch chan string, within time.Duration, what string) string {
	t.Helper()
	select {
	case h := <-ch:
		return h
	case <-time.After(within):
		t.Fatalf("%s: nothing within %s", what, within)
		return ""
	}
}

// Two replicas race for one loop: exactly one runs it, and it keeps
// running on that one while both keep renewing.
func TestOnlyOneReplicaRunsALoop(t *testing.T) {
	_, ls := replicas(t, 2)
	j := newJob()
	killA := run(ls[0], "poller", j)
	killB := run(ls[1], "poller", j)
	defer killB()
	defer killA()
	first := waitFor(t, j.started, 5*time.Second, "loop start")
	// Several TTLs: the holder renews, the other keeps being refused.
	time.Sleep(3 * testTTL)
	select {
	case h := <-j.started:
		t.Fatalf("loop started again on %s while %s held it", h, first)
	case h := <-j.stopped:
		t.Fatalf("loop stopped on %s while nothing failed", h)
	default:
	}
	if n := j.mostAtOnce(); n != 1 {
		t.Fatalf("%d replicas ran the loop at once", n)
	}
	holders := 0
	for _, l := range ls {
		if l.Holding("poller") {
			holders++
			if l.Holder() != first {
				t.Fatalf("%s reports holding the lease; %s runs the loop", l.Holder(), first)
			}
		}
	}
	if holders != 1 {
		t.Fatalf("%d replicas report holding the lease", holders)
	}
}

// The replica running a loop is killed (stops renewing, releases nothing):
// the other takes the loop over once the lease expires, within TTL plus
// one renewal period, and not before the lease could have expired.
func TestAnotherReplicaTakesOverWhenTheHolderDies(t *testing.T) {
	st, ls := replicas(t, 2)
	j := newJob()
	killA := run(ls[0], "poller", j)
	if h := waitFor(t, j.started, 5*time.Second, "loop start on a"); h != "a" {
		t.Fatalf("loop started on %s, want a (b was not running)", h)
	}
	killB := run(ls[1], "poller", j)
	defer killB()
	time.Sleep(2 * testRenew) // b is refused meanwhile
	killA()
	killed := time.Now()
	if h := waitFor(t, j.stopped, time.Second, "loop stop on a"); h != "a" {
		t.Fatalf("stopped on %s", h)
	}
	leases, err := st[1].Leases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 1 || leases[0].Holder != "a" {
		t.Fatalf("leases after the kill: %+v, want a's lease still there", leases)
	}
	h := waitFor(t, j.started, testTTL+testRenew+500*time.Millisecond, "takeover by b")
	took := time.Since(killed)
	if h != "b" {
		t.Fatalf("loop taken over by %s", h)
	}
	// a renewed at most one period before the kill, so its lease ran at
	// least TTL − Renew after it.
	if took < testTTL-testRenew-50*time.Millisecond {
		t.Fatalf("b took over %s after the kill, before a's lease (TTL %s) could expire", took, testTTL)
	}
	if j.mostAtOnce() != 1 {
		t.Fatalf("%d replicas ran the loop at once", j.mostAtOnce())
	}
	t.Logf("taken over %s after the kill (TTL %s, renewal every %s)", took, testTTL, testRenew)
}

// A holder whose lease another replica now holds (it was stalled past its
// TTL, say) stops its loop at its next renewal, and does not start it again.
func TestAHolderThatLostItsLeaseStopsItsLoop(t *testing.T) {
	st, ls := replicas(t, 1)
	j := newJob()
	kill := run(ls[0], "poller", j)
	defer kill()
	waitFor(t, j.started, 5*time.Second, "loop start")
	// Another replica's lease, taken as if a's had expired.
	if err := st[0].ReleaseLeases(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	if ok, err := st[0].TakeLease(context.Background(), "poller", "z", time.Hour); err != nil || !ok {
		t.Fatalf("z takes the free lease: %v %v", ok, err)
	}
	lost := time.Now()
	waitFor(t, j.stopped, testRenew+500*time.Millisecond, "loop stop after the lease was lost")
	t.Logf("loop stopped %s after the lease moved", time.Since(lost))
	if ls[0].Holding("poller") {
		t.Fatal("a still reports holding the lease")
	}
	time.Sleep(3 * testRenew)
	select {
	case <-j.started:
		t.Fatal("a started the loop again while z holds the lease")
	default:
	}
}

// A clean shutdown releases the leases: the other replica takes the loop
// at its next try, without waiting for the TTL.
func TestReleasedLeasesMoveAtTheNextTry(t *testing.T) {
	_, ls := replicas(t, 2)
	j := newJob()
	killA := run(ls[0], "poller", j)
	waitFor(t, j.started, 5*time.Second, "loop start on a")
	killB := run(ls[1], "poller", j)
	defer killB()
	killA()
	waitFor(t, j.stopped, time.Second, "loop stop on a")
	if err := ls[0].Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	released := time.Now()
	if h := waitFor(t, j.started, testRenew+300*time.Millisecond, "takeover by b"); h != "b" {
		t.Fatalf("taken over by %s", h)
	}
	if took := time.Since(released); took >= testTTL-testRenew {
		t.Fatalf("took %s: waited for expiry instead of taking the released lease", took)
	}
}

// A loop that returns by itself while its replica holds the lease starts
// again at the next renewal.
func TestALoopThatReturnsIsStartedAgain(t *testing.T) {
	_, ls := replicas(t, 1)
	var runs atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ls[0].Run(ctx, "sync", func(context.Context) { runs.Add(1) })
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runs.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if n := runs.Load(); n < 3 {
		t.Fatalf("loop ran %d times in 5 s, want it started again every renewal", n)
	}
}

func TestTakeLease(t *testing.T) {
	st, _ := replicas(t, 1)
	s := st[0]
	ctx := context.Background()
	take := func(holder string, ttl time.Duration, want bool) {
		t.Helper()
		ok, err := s.TakeLease(ctx, "poller", holder, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if ok != want {
			t.Fatalf("%s takes the lease: %v, want %v", holder, ok, want)
		}
	}
	take("a", time.Hour, true)
	take("b", time.Hour, false) // held by a
	take("a", 50*time.Millisecond, true)
	first, err := s.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	take("b", time.Hour, false) // a's renewal has not expired yet
	time.Sleep(100 * time.Millisecond)
	take("b", time.Hour, true) // expired
	take("a", time.Hour, false)
	after, err := s.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0].Name != "poller" || after[0].Holder != "b" {
		t.Fatalf("leases %+v, want poller held by b", after)
	}
	if !after[0].Taken.After(first[0].Taken) {
		t.Fatalf("b's lease taken at %s, a's at %s: a new holder's time was not recorded", after[0].Taken, first[0].Taken)
	}
	if d := after[0].Expires.Sub(after[0].Taken); d < time.Hour-time.Second || d > time.Hour+time.Second {
		t.Fatalf("lease runs %s after it was taken, want 1h", d)
	}
	if err := s.ReleaseLeases(ctx, "a"); err != nil { // a holds nothing: b's stays
		t.Fatal(err)
	}
	if l, _ := s.Leases(ctx); len(l) != 1 {
		t.Fatalf("a's release removed b's lease: %+v", l)
	}
	if err := s.ReleaseLeases(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	take("a", time.Hour, true)
}
