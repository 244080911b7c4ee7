package doku

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TimestampLayout is the X-TIMESTAMP form DOKU shows: ISO-8601 with the
// +07:00 offset, e.g. 2024-01-27T15:58:59+07:00.
const TimestampLayout = "2006-01-02T15:04:05-07:00"

// wib is Western Indonesia Time. A fixed zone, so the offset is always +07:00
// even on machines without tzdata.
var wib = time.FixedZone("WIB", 7*60*60)

// FormatTimestamp renders t as an X-TIMESTAMP in WIB.
func FormatTimestamp(t time.Time) string { return t.In(wib).Format(TimestampLayout) }

// ParseTimestamp reads an X-TIMESTAMP; fractional seconds and "Z" are accepted
// because other SNAP parties send them.
func ParseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: X-TIMESTAMP %q", ErrMalformed, s)
	}
	return t, nil
}

// TokenStringToSign is what the asymmetric token signature covers.
func TokenStringToSign(clientID, timestamp string) string { return clientID + "|" + timestamp }

// SignToken computes the asymmetric X-SIGNATURE of an access-token request:
// base64(SHA256withRSA(privateKey, clientId|X-TIMESTAMP)), PKCS#1 v1.5.
func SignToken(key *rsa.PrivateKey, clientID, timestamp string) (string, error) {
	if key == nil {
		return "", errors.New("doku: no private key configured")
	}
	sum := sha256.Sum256([]byte(TokenStringToSign(clientID, timestamp)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("doku: sign token request: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifyTokenSignature checks an asymmetric token-request signature.
func VerifyTokenSignature(pub *rsa.PublicKey, clientID, timestamp, signature string) error {
	return verifyRSA(pub, []byte(TokenStringToSign(clientID, timestamp)), signature)
}

func verifyRSA(pub *rsa.PublicKey, msg []byte, signature string) error {
	if strings.TrimSpace(signature) == "" {
		return ErrMissingSignature
	}
	if pub == nil {
		return fmt.Errorf("%w: no public key configured", ErrBadSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return fmt.Errorf("%w: not base64", ErrBadSignature)
	}
	sum := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return ErrBadSignature
	}
	return nil
}

// MinifyJSON removes insignificant whitespace without reordering keys. A body
// that is not JSON is used as it is, so a signature over it still fails cleanly.
func MinifyJSON(body []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return body
	}
	return buf.Bytes()
}

// BodyDigest is lowercase(hex(SHA256(minified body))).
func BodyDigest(body []byte) string {
	sum := sha256.Sum256(MinifyJSON(body))
	return hex.EncodeToString(sum[:])
}

// TransactionStringToSign is
// METHOD:path:accessToken:lowercase(hex(sha256(minified body))):X-TIMESTAMP.
func TransactionStringToSign(method, path, accessToken string, body []byte, timestamp string) string {
	return strings.ToUpper(method) + ":" + path + ":" + accessToken + ":" + BodyDigest(body) + ":" + timestamp
}

// SignTransaction computes the symmetric X-SIGNATURE of a transaction request:
// base64(HMAC-SHA512(clientSecret, TransactionStringToSign(...))).
func SignTransaction(secret, method, path, accessToken string, body []byte, timestamp string) string {
	m := hmac.New(sha512.New, []byte(secret))
	m.Write([]byte(TransactionStringToSign(method, path, accessToken, body, timestamp)))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyTransactionSignature checks a symmetric transaction signature in
// constant time.
func VerifyTransactionSignature(secret, method, path, accessToken string, body []byte, timestamp, signature string) error {
	if strings.TrimSpace(signature) == "" {
		return ErrMissingSignature
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return fmt.Errorf("%w: not base64", ErrBadSignature)
	}
	want, _ := base64.StdEncoding.DecodeString(SignTransaction(secret, method, path, accessToken, body, timestamp))
	if !hmac.Equal(got, want) {
		return ErrBadSignature
	}
	return nil
}

// ServiceStringToSign is the SNAP asymmetric service signature's input, used
// by parties that sign notifications with RSA instead of HMAC (no token):
// METHOD:path:lowercase(hex(sha256(minified body))):X-TIMESTAMP.
func ServiceStringToSign(method, path string, body []byte, timestamp string) string {
	return strings.ToUpper(method) + ":" + path + ":" + BodyDigest(body) + ":" + timestamp
}

// SignService computes base64(SHA256withRSA(key, ServiceStringToSign(...))).
func SignService(key *rsa.PrivateKey, method, path string, body []byte, timestamp string) (string, error) {
	if key == nil {
		return "", errors.New("doku: no private key configured")
	}
	sum := sha256.Sum256([]byte(ServiceStringToSign(method, path, body, timestamp)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("doku: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}
