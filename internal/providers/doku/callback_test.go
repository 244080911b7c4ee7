package doku

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

var cbNow = time.Date(2024, 1, 27, 8, 58, 59, 0, time.UTC) // 15:58:59 WIB

func tokenRequestHeader(t *testing.T, clientID string, at time.Time) http.Header {
	_, dokuKey := testKeys(t)
	ts := FormatTimestamp(at)
	sig, err := SignToken(dokuKey, clientID, ts)
	if err != nil {
		t.Fatal(err)
	}
	return http.Header{"X-Client-Key": {clientID}, "X-Timestamp": {ts}, "X-Signature": {sig}, "Content-Type": {"application/json"}}
}

func TestVerifyTokenRequest(t *testing.T) {
	merchant, dokuKey := testKeys(t)
	body := fixture(t, "token-b2b-request.json")
	good := tokenRequestHeader(t, testClientID, cbNow)
	with := func(k, v string) http.Header { h := good.Clone(); h.Set(k, v); return h }
	without := func(k string) http.Header { h := good.Clone(); h.Del(k); return h }
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		key    *rsa.PublicKey
		want   error
	}{
		{"good", good, body, &dokuKey.PublicKey, nil},
		{"signed by someone else", good, body, &merchant.PublicKey, ErrBadSignature},
		{"other client", tokenRequestHeader(t, "other", cbNow), body, &dokuKey.PublicKey, ErrBadClientID},
		{"no client", without("X-CLIENT-KEY"), body, &dokuKey.PublicKey, ErrMalformed},
		{"no timestamp", without("X-TIMESTAMP"), body, &dokuKey.PublicKey, ErrMissingTimestamp},
		{"bad timestamp", with("X-TIMESTAMP", "yesterday"), body, &dokuKey.PublicKey, ErrMalformed},
		{"replayed", tokenRequestHeader(t, testClientID, cbNow.Add(-6*time.Minute)), body, &dokuKey.PublicKey, ErrStaleTimestamp},
		{"from the future", tokenRequestHeader(t, testClientID, cbNow.Add(6*time.Minute)), body, &dokuKey.PublicKey, ErrStaleTimestamp},
		{"timestamp changed", with("X-TIMESTAMP", FormatTimestamp(cbNow.Add(time.Second))), body, &dokuKey.PublicKey, ErrBadSignature},
		{"no signature", without("X-SIGNATURE"), body, &dokuKey.PublicKey, ErrMissingSignature},
		{"no key configured", good, body, nil, ErrBadSignature},
		{"other grant", good, []byte(`{"grantType":"password"}`), &dokuKey.PublicKey, ErrUnsupportedGrant},
		{"not json", good, []byte(`<xml/>`), &dokuKey.PublicKey, ErrMalformed},
	}
	for _, tc := range tests {
		err := VerifyTokenRequest(tc.header, tc.body, tc.key, testClientID, cbNow)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	c := New(Config{ClientID: testClientID, SecretKey: testSecret, DokuPublicKey: &dokuKey.PublicKey})
	if err := c.VerifyTokenRequest(good, body, cbNow); err != nil {
		t.Errorf("client VerifyTokenRequest: %v", err)
	}
	if v, ok := c.NotificationVerifier().(HMACVerifier); !ok || v.Secret != testSecret {
		t.Errorf("NotificationVerifier = %#v", c.NotificationVerifier())
	}
}

func TestTokenIssuer(t *testing.T) {
	ti := NewTokenIssuer(nil)
	a, err := ti.Issue(cbNow)
	if err != nil {
		t.Fatal(err)
	}
	if a.ExpiresIn != 900*time.Second || len(a.AccessToken) < 40 {
		t.Errorf("token = %+v", a)
	}
	if !ti.Valid(a.AccessToken, cbNow.Add(899*time.Second)) {
		t.Error("token must be valid before expiry")
	}
	if ti.Valid(a.AccessToken, cbNow.Add(900*time.Second)) || ti.Valid("guess", cbNow) || ti.Valid("", cbNow) {
		t.Error("expired or unknown token accepted")
	}
	if len(a.AccessToken) != 54 {
		t.Errorf("token length %d, want 54 (40 bytes in base64url)", len(a.AccessToken))
	}
	var reply struct {
		ResponseCode string `json:"responseCode"`
		AccessToken  string `json:"accessToken"`
		TokenType    string `json:"tokenType"`
		ExpiresIn    int    `json:"expiresIn"`
	}
	if err := json.Unmarshal(TokenReply(a), &reply); err != nil || reply.ResponseCode != "2007300" || reply.AccessToken != a.AccessToken || reply.ExpiresIn != 900 || reply.TokenType != "Bearer" {
		t.Errorf("reply = %+v, %v", reply, err)
	}
	// Concurrency: issue and validate from many goroutines (run with -race).
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 50 {
				tok, err := ti.Issue(cbNow)
				if err != nil || !ti.Valid(tok.AccessToken, cbNow) {
					t.Error("concurrent issue/validate failed")
					return
				}
			}
		})
	}
	wg.Wait()
}

type notifyCase struct {
	header http.Header
	body   []byte
	path   string
}

func signedNotification(t *testing.T, ti *TokenIssuer, v string, at time.Time) notifyCase {
	_, dokuKey := testKeys(t)
	tok, err := ti.Issue(cbNow)
	if err != nil {
		t.Fatal(err)
	}
	body := fixture(t, "notify-request.json")
	path := "/callbacks/doku/v1.0/debit/notify"
	ts := FormatTimestamp(at)
	sig := SignTransaction(testSecret, "POST", path, tok.AccessToken, body, ts)
	if v == "rsa" {
		if sig, err = SignService(dokuKey, "POST", path, body, ts); err != nil {
			t.Fatal(err)
		}
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok.AccessToken)
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", sig)
	h.Set("X-PARTNER-ID", testClientID)
	h.Set("X-EXTERNAL-ID", "99887766")
	return notifyCase{h, body, path}
}

func TestVerifyNotification(t *testing.T) {
	merchant, dokuKey := testKeys(t)
	ti := NewTokenIssuer(nil)
	hmacV := HMACVerifier{Secret: testSecret}
	rsaV := RSAVerifier{PublicKey: &dokuKey.PublicKey}
	good := signedNotification(t, ti, "hmac", cbNow)
	goodRSA := signedNotification(t, ti, "rsa", cbNow)
	mod := func(c notifyCase, k, v string) notifyCase {
		c.header = c.header.Clone()
		if v == "" {
			c.header.Del(k)
		} else {
			c.header.Set(k, v)
		}
		return c
	}
	tampered := good
	tampered.body = bytes.Replace(good.body, []byte("10000.00"), []byte("90000.00"), 1)
	otherPath := good
	otherPath.path = "/v1.0/debit/notify"
	tests := []struct {
		name string
		c    notifyCase
		v    SignatureVerifier
		want error
	}{
		{"hmac good", good, hmacV, nil},
		{"rsa good", goodRSA, rsaV, nil},
		{"hmac under rsa verifier", good, rsaV, ErrBadSignature},
		{"rsa under wrong key", goodRSA, RSAVerifier{PublicKey: &merchant.PublicKey}, ErrBadSignature},
		{"wrong secret", good, HMACVerifier{Secret: "other"}, ErrBadSignature},
		{"tampered amount", tampered, hmacV, ErrBadSignature},
		{"other path", otherPath, hmacV, ErrBadSignature},
		{"no token", mod(good, "Authorization", ""), hmacV, ErrMissingToken},
		{"basic auth", mod(good, "Authorization", "Basic abc"), hmacV, ErrMissingToken},
		{"token not ours", mod(good, "Authorization", "Bearer forged"), hmacV, ErrInvalidToken},
		{"no timestamp", mod(good, "X-TIMESTAMP", ""), hmacV, ErrMissingTimestamp},
		{"replayed timestamp", signedNotification(t, ti, "hmac", cbNow.Add(-10*time.Minute)), hmacV, ErrStaleTimestamp},
		{"no signature", mod(good, "X-SIGNATURE", ""), hmacV, ErrMissingSignature},
		{"no verifier", good, nil, ErrBadSignature},
	}
	for _, tc := range tests {
		err := VerifyNotification(tc.c.header, "POST", tc.c.path, tc.c.body, ti, tc.v, cbNow)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// An expired token is refused even with a good signature.
	if err := VerifyNotification(good.header, "POST", good.path, good.body, ti, hmacV, cbNow.Add(901*time.Second)); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("expired token: err = %v", err)
	}
}

func TestParseNotification(t *testing.T) {
	h := http.Header{"X-External-Id": {"99887766"}}
	n, err := ParseNotification(h, fixture(t, "notify-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n.Amount != 10000 || n.Currency != "IDR" || n.Status != StatusSuccess || n.OriginalPartnerReferenceNo != "INV-0001" ||
		n.OriginalExternalID != "41852371234567890123" || n.ExternalID != "99887766" || n.StatusDescription != "Success" {
		t.Errorf("notification = %+v", n)
	}
	if n.DedupKey() != "doku:99887766:INV-0001:00" {
		t.Errorf("DedupKey = %s", n.DedupKey())
	}
	refs := n.References()
	for _, want := range []string{"INV-0001", "1234567890123456", "41852371234567890123", "99887766", "cust-001"} {
		if !slices.Contains(refs, want) {
			t.Errorf("References %v lack %s", refs, want)
		}
	}
	// The same payment in another state has another key.
	failed, err := ParseNotification(h, bytes.Replace(fixture(t, "notify-request.json"), []byte(`"latestTransactionStatus":"00"`), []byte(`"latestTransactionStatus":"06"`), 1))
	if err != nil || failed.DedupKey() == n.DedupKey() || failed.Status != StatusFailed {
		t.Errorf("failed notification: %+v %v", failed, err)
	}
	for name, body := range map[string]string{
		"empty":      ``,
		"html":       `<html></html>`,
		"truncated":  `{"originalPartnerReferenceNo":"INV`,
		"no ids":     `{"latestTransactionStatus":"00"}`,
		"no status":  `{"originalPartnerReferenceNo":"INV-1"}`,
		"fraction":   `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"value":"10.50","currency":"IDR"}}`,
		"bad amount": `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"value":"ten","currency":"IDR"}}`,
		"amount obj": `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"value":{},"currency":"IDR"}}`,
	} {
		if _, err := ParseNotification(nil, []byte(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// A bare number amount is still read exactly.
	n2, err := ParseNotification(nil, []byte(`{"originalReferenceNo":"1","latestTransactionStatus":"03","amount":{"value":25000,"currency":"IDR"}}`))
	if err != nil || n2.Amount != 25000 {
		t.Errorf("numeric amount: %+v %v", n2, err)
	}
}

func TestReplies(t *testing.T) {
	ack := NotificationAck()
	if ack.HTTPStatus != 200 || !bytes.Equal(ack.Body, bytes.TrimSpace(fixture(t, "notify-response.json"))) {
		t.Errorf("ack = %d %s", ack.HTTPStatus, ack.Body)
	}
	tests := []struct {
		r      Reply
		status int
		code   string
	}{
		{TokenErrorReply(ErrBadSignature), 401, "4017300"},
		{TokenErrorReply(ErrBadClientID), 401, "4017300"},
		{TokenErrorReply(ErrStaleTimestamp), 401, "4017300"},
		{TokenErrorReply(ErrMissingTimestamp), 400, "4007302"},
		{TokenErrorReply(ErrUnsupportedGrant), 400, "4007301"},
		{NotificationErrorReply(ErrInvalidToken), 401, "4015601"},
		{NotificationErrorReply(ErrMissingToken), 401, "4015603"},
		{NotificationErrorReply(ErrBadSignature), 401, "4015600"},
		{NotificationErrorReply(ErrMalformed), 400, "4005600"},
		{NotificationErrorReply(errors.New("db down")), 500, "5005600"},
	}
	for _, tc := range tests {
		var env envelope
		if err := json.Unmarshal(tc.r.Body, &env); err != nil || tc.r.HTTPStatus != tc.status || env.ResponseCode != tc.code || env.ResponseMessage == "" {
			t.Errorf("reply %d %s, want %d %s", tc.r.HTTPStatus, tc.r.Body, tc.status, tc.code)
		}
		sameShape(t, "error reply", fixture(t, "error-4017300.json"), tc.r.Body)
	}
}

// Tokens verify on every issuer with the same secret (another replica, or
// this one after a restart) and on no other; a changed byte is refused.
func TestTokenIssuedOnOneReplicaVerifiesOnAnother(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	one, two := NewTokenIssuer(secret), NewTokenIssuer(append([]byte(nil), secret...))
	other := NewTokenIssuer([]byte("another secret, another deployment"))
	tok, err := one.Issue(cbNow)
	if err != nil {
		t.Fatal(err)
	}
	if !two.Valid(tok.AccessToken, cbNow.Add(time.Minute)) {
		t.Error("a token issued by one replica is refused by another with the same secret")
	}
	if other.Valid(tok.AccessToken, cbNow) || NewTokenIssuer(nil).Valid(tok.AccessToken, cbNow) {
		t.Error("a token is accepted under another key")
	}
	if two.Valid(tok.AccessToken, tok.ExpiresAt) {
		t.Error("a token is accepted at its expiry")
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok.AccessToken)
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		if two.Valid(base64.RawURLEncoding.EncodeToString(b), cbNow) {
			t.Fatalf("a token with byte %d changed is accepted", i)
		}
	}
	// A later expiry written into the token without the key is refused.
	b := append([]byte(nil), raw...)
	b[0] ^= 0x01
	if two.Valid(base64.RawURLEncoding.EncodeToString(b), cbNow) {
		t.Error("a token with a forged expiry is accepted")
	}
}
