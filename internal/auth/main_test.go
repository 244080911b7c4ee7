package auth

import (
	"fmt"
	"os"
	"testing"
)

// TestMain checks, before any test runs, that loading the package computed
// no password hash: the dummy hash is made on first use, not at start-up.
func TestMain(m *testing.M) {
	if dummyHashMade.Load() {
		fmt.Fprintln(os.Stderr, "auth: the dummy password hash was computed at start-up")
		os.Exit(1)
	}
	code := m.Run()
	os.Exit(code)
}

func TestBurnTimeMakesTheDummyHashOnFirstUse(t *testing.T) {
	if err := BurnTime("anything at all"); err != nil {
		t.Fatal(err)
	}
	if !dummyHashMade.Load() {
		t.Fatal("BurnTime did not use the dummy hash")
	}
}
