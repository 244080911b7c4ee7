package doku

import (
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

var (
	keysOnce          sync.Once
	merchantKey, dKey *rsa.PrivateKey
	keysErr           error
)

// testKeys generates the merchant's and DOKU's key pairs once per package run.
func testKeys(t testing.TB) (merchant, doku *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		merchantKey, keysErr = GenerateKey(2048)
		if keysErr == nil {
			dKey, keysErr = GenerateKey(2048)
		}
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return merchantKey, dKey
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keyPaths lists every key path of a JSON document ("a.b", "a[].c"), to
// compare shapes field for field.
func keyPaths(t testing.TB, doc []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, doc)
	}
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				set[prefix+k] = true
				walk(prefix+k+".", c)
			}
		case []any:
			for _, c := range x {
				walk(prefix+"[].", c)
			}
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameShape(t testing.TB, what string, want, got []byte) {
	t.Helper()
	w, g := keyPaths(t, want), keyPaths(t, got)
	if len(w) != len(g) {
		t.Errorf("%s: keys differ:\n want %v\n got  %v", what, w, g)
		return
	}
	for i := range w {
		if w[i] != g[i] {
			t.Errorf("%s: keys differ:\n want %v\n got  %v", what, w, g)
			return
		}
	}
}
