package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestHashAndCheck(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash format %q", h)
	}
	if err := CheckPassword(h, "correct horse battery"); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if err := CheckPassword(h, "correct horse batterY"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: %v", err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if err := CheckPassword("$2a$12$whatever", "x"); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func TestPasswordRules(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                    false,
		"exactly12chr":             true,
		"            ":             false,
		strings.Repeat("a", 129):   false,
		"kata sandi yang panjang!": true,
	} {
		if got := CheckPasswordRules(pw, "siti@example.co.id", "Siti Rahma") == ""; got != ok {
			t.Errorf("CheckPasswordRules(%q) ok=%v, want %v", pw, got, ok)
		}
	}
}
