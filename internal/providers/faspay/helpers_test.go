package faspay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// Credentials that produce the docs' sample signature.
const (
	testMerchantID = "99999"
	testUserID     = "bot99999"
	testPassword   = "p@ssw0rd"
	testPhone      = "081382826301"
	docsSignature  = "1d4c5f7246a762c4ab61cd3d399efa4c28978bf3"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keySet lists every key path of a JSON document, so two documents can be
// compared field for field while values differ.
func keySet(t testing.TB, raw []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, child := range m {
			out = append(out, prefix+k)
			walk(prefix+k+".", child)
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

var testDay = time.Date(2021, 11, 11, 0, 0, 0, 0, Jakarta)
