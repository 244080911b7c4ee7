// Package auth hashes and checks staff passwords, judges new ones, decides
// sign-in throttling and keeps second-factor secrets sealed.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// MinPasswordLength and MaxPasswordLength bound a password, in characters.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
)

// argon2id parameters: OWASP's 19 MiB, 2 passes, 1 lane baseline.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// Each hash allocates argonMemory KiB, so at most MaxConcurrentHashes run at
// once; the rest wait up to HashWait and then get ErrBusy. Two slots keep a
// burst of unauthenticated sign-ins to about 40 MiB of hashing memory.
const (
	MaxConcurrentHashes = 2
	HashWait            = 3 * time.Second
)

// ErrMismatch means the password does not match the hash.
var ErrMismatch = errors.New("auth: password does not match")

// ErrBusy means every hashing slot stayed taken for HashWait: the caller
// should answer 429 and let the person try again in a moment.
var ErrBusy = errors.New("auth: too many password checks at once")

var (
	hashSlots = make(chan struct{}, MaxConcurrentHashes)
	checks    atomic.Int64
)

// PasswordChecks is how many password hashes this process has computed to
// check a password (real or dummy): what throttling must keep small.
func PasswordChecks() int64 { return checks.Load() }

func withHashSlot(f func()) error {
	select {
	case hashSlots <- struct{}{}:
	default:
		t := time.NewTimer(HashWait)
		defer t.Stop()
		select {
		case hashSlots <- struct{}{}:
		case <-t.C:
			return ErrBusy
		}
	}
	defer func() { <-hashSlots }()
	f()
	// The 19 MiB just used is garbage now. The server runs with a high GOGC
	// (for callback throughput), which would let a burst of sign-ins pile
	// hundreds of MiB of it up before collecting; collecting before the slot
	// is freed keeps sign-in memory to the hashes in flight, at a few ms each.
	runtime.GC()
	return nil
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	var key []byte
	if err := withHashSlot(func() {
		key = argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	}); err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword compares a password with a stored hash in constant time.
// It returns ErrBusy when no hashing slot became free in time.
func CheckPassword(hash, pw string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("auth: unknown password hash format")
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return fmt.Errorf("auth: bad hash parameters: %w", err)
	}
	if mem > 64*1024 || t > 10 || p > 4 {
		return errors.New("auth: hash parameters out of range")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return errors.New("auth: bad hash salt")
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return errors.New("auth: bad hash key")
	}
	var got []byte
	if err := withHashSlot(func() {
		checks.Add(1)
		got = argon2.IDKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	}); err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// dummyHash is checked against when an email is unknown, so that a wrong
// email and a wrong password take the same time. It is made on first use,
// not at start-up.
var dummyHash = sync.OnceValue(func() string {
	dummyHashMade.Store(true)
	h, err := HashPassword("not-a-real-password-used-for-timing")
	if err != nil {
		// Busy at the very first use: a fixed hash of the same cost.
		return "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$" + base64.RawStdEncoding.EncodeToString(make([]byte, argonKeyLen))
	}
	return h
})

// dummyHashMade lets a test see that nothing hashed at start-up.
var dummyHashMade atomic.Bool

// BurnTime spends the same work as a real password check; ErrBusy when no
// hashing slot became free in time.
func BurnTime(pw string) error {
	if err := CheckPassword(dummyHash(), pw); errors.Is(err, ErrBusy) {
		return err
	}
	return nil
}
