package auth

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func TestEachPasswordRuleHasItsOwnSentence(t *testing.T) {
	for _, tc := range []struct {
		pw   string
		want []string
	}{
		{"password", []string{MsgTooShort, MsgCommon}},
		{"1qaz2wsx3edc", []string{MsgCommon}},
		{"1q2w3e4r5t6y", []string{MsgCommon}},
		{"siti.rahma-2026!", []string{MsgHasEmail, MsgHasName}},
		{"my name is RAHMA ok?", []string{MsgHasName}},
		{"xx Siti.Rahma@Example.co.id", []string{MsgHasEmail, MsgHasName}},
		{"kata sandi yang panjang!", nil},
	} {
		if got := PasswordProblems(tc.pw, "siti.rahma@example.co.id", "Siti Rahma"); !slices.Equal(got, tc.want) {
			t.Errorf("PasswordProblems(%q) = %q, want %q", tc.pw, got, tc.want)
		}
	}
}

func TestCommonPasswordListIsShippedWhole(t *testing.T) {
	if n := CommonPasswordCount(); n < 10000 {
		t.Fatalf("the common password list has %d entries, want at least 10,000", n)
	}
	for _, pw := range []string{"123456", "Password", "iloveyou", "q w e r t y"} {
		if !IsCommonPassword(pw) {
			t.Errorf("%q is not recognised as common", pw)
		}
	}
}

func TestThrottleWaitGrowsAndCaps(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		c    AttemptCounts
		want time.Duration
	}{
		{AttemptCounts{}, 0},
		{AttemptCounts{Pair: 2, PairLast: now}, 0},
		{AttemptCounts{Pair: 3, PairLast: now.Add(-4 * time.Second)}, 6 * time.Second},
		{AttemptCounts{Pair: 3, PairLast: now.Add(-11 * time.Second)}, 0},
		{AttemptCounts{Pair: 4, PairLast: now.Add(-10 * time.Second)}, 20 * time.Second},
		{AttemptCounts{Pair: 5, PairLast: now.Add(-time.Hour)}, ThrottleWindow},
		{AttemptCounts{Account: MaxPerAccount}, ThrottleWindow},
		{AttemptCounts{IP: MaxPerIP}, ThrottleWindow},
	} {
		if got := ThrottleWait(tc.c, now); got != tc.want {
			t.Errorf("ThrottleWait(%+v) = %v, want %v", tc.c, got, tc.want)
		}
	}
}

// Concurrent hashing is bounded: many callers at once never run more than
// MaxConcurrentHashes argon2 computations together, and those who wait too
// long get ErrBusy instead of queueing memory.
func TestHashingIsBounded(t *testing.T) {
	h, err := HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	errs := map[string]int{}
	for range 12 {
		wg.Go(func() {
			err := CheckPassword(h, "wrong password here")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrMismatch):
				errs["mismatch"]++
			case errors.Is(err, ErrBusy):
				errs["busy"]++
			default:
				errs["other"]++
			}
		})
		if l := len(hashSlots); l > MaxConcurrentHashes {
			t.Fatalf("%d hashes at once", l)
		}
	}
	wg.Wait()
	if errs["other"] != 0 || errs["mismatch"] == 0 {
		t.Fatalf("results %v", errs)
	}
}

func TestTOTPEnrolmentAndSealedSecret(t *testing.T) {
	e, err := NewEnrolment("siti@example.co.id")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.URI, "otpauth://totp/") || !strings.Contains(e.URI, "secret="+e.Secret) {
		t.Fatalf("URI %q", e.URI)
	}
	if len(e.QRPNG) < 100 || string(e.QRPNG[1:4]) != "PNG" {
		t.Fatal("no PNG QR code")
	}
	now := time.Now()
	code, _ := totp.GenerateCode(e.Secret, now)
	if !ValidTOTP(e.Secret, code, now) || ValidTOTP(e.Secret, code, now.Add(5*time.Minute)) {
		t.Fatal("TOTP validation wrong")
	}
	key := SecretKey([]byte("server secret"))
	sealed, err := SealSecret(key, e.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, e.Secret) {
		t.Fatal("sealed secret contains the secret")
	}
	if got, err := OpenSecret(key, sealed); err != nil || got != e.Secret {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := OpenSecret(SecretKey([]byte("other")), sealed); !errors.Is(err, ErrSealedSecret) {
		t.Fatalf("opened with the wrong key: %v", err)
	}
	codes, hashes := NewRecoveryCodes()
	if len(codes) != RecoveryCodeCount || HashRecoveryCode(strings.ToUpper(codes[0])) != hashes[0] {
		t.Fatal("recovery codes")
	}
}
