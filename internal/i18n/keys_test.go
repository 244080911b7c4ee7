package i18n

import (
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// keyShape is a string that names a catalogue key: "<area>.<name>".
var keyShape = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

var templString = regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)

// TestEveryKeyInTheCodeExists reads every Go and templ source file of the
// repository: a string literal shaped like a key of a known area must be
// in both catalogues, so a typo fails here rather than on a page.
func TestEveryKeyInTheCodeExists(t *testing.T) {
	areas := map[string]bool{}
	for _, a := range Areas() {
		areas[a] = true
	}
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "screenshots", "bin":
				return filepath.SkipDir
			}
			return nil
		}
		var lits []string
		switch {
		case strings.HasSuffix(path, "_templ.go"):
			return nil
		case strings.HasSuffix(path, ".go"):
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			lits = goStrings(src)
		case strings.HasSuffix(path, ".templ"):
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range templString.FindAllStringSubmatch(string(src), -1) {
				lits = append(lits, m[1])
			}
		default:
			return nil
		}
		for _, s := range lits {
			area, _, _ := strings.Cut(s, ".")
			if !keyShape.MatchString(s) || !areas[area] {
				continue
			}
			checked++
			for _, l := range Langs {
				if !Has(l, s) {
					t.Errorf("%s: key %q is not in the %s catalogue", path, s, l)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d keys found in the code; is the walk looking in the right place?", checked)
	}
}

func goStrings(src []byte) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", fset.Base(), len(src)), src, nil, 0)
	var out []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.STRING {
			if v, err := strconv.Unquote(lit); err == nil {
				out = append(out, v)
			}
		}
	}
}

func TestRawKeysAreFound(t *testing.T) {
	if got := RawKeys("Saldo nav.balance dan admin@example.com"); len(got) != 1 || got[0] != "nav.balance" {
		t.Fatalf("RawKeys = %v", got)
	}
	if got := RawKeys("Rp 1.234.567 · app.css"); len(got) != 0 {
		t.Fatalf("RawKeys found keys in plain text: %v", got)
	}
}
