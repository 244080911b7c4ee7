package ayopop

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// Sentinel errors of VerifyToken. They never carry the token or the secret.
var (
	ErrTokenMalformed = errors.New("ayopop: TOKEN is not a well-formed JWT")
	ErrTokenAlgorithm = errors.New("ayopop: TOKEN is not signed with HS256")
	ErrTokenSignature = errors.New("ayopop: TOKEN signature does not match")
	ErrNoSecret       = errors.New("ayopop: no partner secret configured")
)

// jwtHeader is the fixed JOSE header: Ayopop only accepts HS256.
const jwtHeader = `{"alg":"HS256","typ":"JWT"}`

var b64 = base64.RawURLEncoding

// SignToken returns the HS256 JWT Ayopop expects in the TOKEN header: the
// payload is the request JSON itself, signed with the partner secret.
func SignToken(secret []byte, payload []byte) (string, error) {
	if len(secret) == 0 {
		return "", ErrNoSecret
	}
	signingInput := b64.EncodeToString([]byte(jwtHeader)) + "." + b64.EncodeToString(payload)
	return signingInput + "." + b64.EncodeToString(hs256(secret, signingInput)), nil
}

// VerifyToken checks an HS256 JWT with the partner secret and returns its
// payload (the request parameters). Any other algorithm, "none" included, is
// refused before the signature is looked at, so a forged header cannot pick
// the verification method.
func VerifyToken(secret []byte, token string) ([]byte, error) {
	if len(secret) == 0 {
		return nil, ErrNoSecret
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return nil, ErrTokenMalformed
	}
	rawHeader, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, ErrTokenMalformed
	}
	var header struct {
		Alg *string `json:"alg"`
	}
	if err := json.Unmarshal(rawHeader, &header); err != nil {
		return nil, ErrTokenMalformed
	}
	if header.Alg == nil || *header.Alg != "HS256" {
		return nil, ErrTokenAlgorithm
	}
	if parts[2] == "" {
		return nil, ErrTokenSignature
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, ErrTokenSignature
	}
	if !hmac.Equal(sig, hs256(secret, parts[0]+"."+parts[1])) {
		return nil, ErrTokenSignature
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, ErrTokenMalformed
	}
	if !json.Valid(payload) || !bytes.HasPrefix(bytes.TrimSpace(payload), []byte("{")) {
		return nil, ErrTokenMalformed
	}
	return payload, nil
}

func hs256(secret []byte, signingInput string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signingInput))
	return m.Sum(nil)
}
