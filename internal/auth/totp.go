package auth

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings: the defaults every authenticator app understands.
const (
	TOTPIssuer        = "Merchant back-office"
	TOTPPeriod        = 30
	RecoveryCodeCount = 10
)

// Enrolment is a freshly generated TOTP secret with what the person needs
// to add it to an app.
type Enrolment struct {
	Secret string // base32
	URI    string // otpauth://totp/...
	QRPNG  []byte
}

// NewEnrolment makes a new secret for the account and renders its QR code.
func NewEnrolment(account string) (*Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: account, Period: TOTPPeriod})
	if err != nil {
		return nil, err
	}
	return enrolmentOf(key)
}

// EnrolmentFor rebuilds the URI and QR code of a secret being enrolled.
func EnrolmentFor(secret, account string) (*Enrolment, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil || len(raw) == 0 {
		return nil, errors.New("auth: bad TOTP secret")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: account, Period: TOTPPeriod, Secret: raw})
	if err != nil {
		return nil, err
	}
	return enrolmentOf(key)
}

func enrolmentOf(key *otp.Key) (*Enrolment, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key.Secret(), URI: key.URL(), QRPNG: buf.Bytes()}, nil
}

// ValidTOTP reports whether code is the secret's code at t, allowing one
// step of clock drift either way.
func ValidTOTP(secret, code string, t time.Time) bool {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return false
	}
	ok, err := totp.ValidateCustom(code, secret, t.UTC(), totp.ValidateOpts{Period: TOTPPeriod, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return err == nil && ok
}

// NewRecoveryCodes makes RecoveryCodeCount single-use codes like
// "k3f9q-2mx7w" and their hashes for storage.
func NewRecoveryCodes() (codes, hashes []string) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	for range RecoveryCodeCount {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		code := string(b[:5]) + "-" + string(b[5:])
		codes = append(codes, code)
		hashes = append(hashes, HashRecoveryCode(code))
	}
	return codes, hashes
}

// HashRecoveryCode is what is stored of a recovery code. The codes carry
// about 49 bits of randomness and are tried under the sign-in throttle, so
// a fast hash is enough.
func HashRecoveryCode(code string) string {
	c := strings.ToLower(strings.Join(strings.Fields(code), ""))
	if len(c) == 10 {
		c = c[:5] + "-" + c[5:]
	}
	h := sha256.Sum256([]byte(c))
	return hex.EncodeToString(h[:])
}

// SecretKey derives the key that seals TOTP secrets from a server secret,
// so the secrets are useless in a copy of the database alone.
func SecretKey(serverSecret []byte) []byte {
	m := hmac.New(sha256.New, serverSecret)
	m.Write([]byte("backoffice totp secret v1"))
	return m.Sum(nil)
}

// SealSecret encrypts a TOTP secret with AES-256-GCM.
func SealSecret(key []byte, secret string) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return "v1:" + base64.RawStdEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(secret), nil)), nil
}

// ErrSealedSecret means a sealed secret cannot be opened, usually because
// the server secret changed; an admin must reset the second factor.
var ErrSealedSecret = errors.New("auth: the second-factor secret cannot be decrypted")

// OpenSecret decrypts what SealSecret made.
func OpenSecret(key []byte, sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", ErrSealedSecret
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil {
		return "", ErrSealedSecret
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	if len(b) < gcm.NonceSize() {
		return "", ErrSealedSecret
	}
	out, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], nil)
	if err != nil {
		return "", ErrSealedSecret
	}
	return string(out), nil
}
