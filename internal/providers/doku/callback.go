package doku

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// MaxTimestampSkew bounds how old (or how far ahead) an X-TIMESTAMP on a
// request from DOKU may be; older requests are refused as replays.
const MaxTimestampSkew = 5 * time.Minute

// TokenTTL is the life of a token the merchant issues to DOKU (SNAP: 900 s).
const TokenTTL = 900 * time.Second

// ---- DOKU → merchant: POST /v1.0/access-token/b2b ----

// VerifyTokenRequest checks DOKU's request for a merchant access token:
// X-CLIENT-KEY is the expected client id, X-TIMESTAMP is fresh, X-SIGNATURE
// is SHA256withRSA over clientId|X-TIMESTAMP under DOKU's public key, and the
// body asks for client_credentials.
func VerifyTokenRequest(header http.Header, body []byte, dokuPublicKey *rsa.PublicKey, expectedClientID string, now time.Time) error {
	clientID := strings.TrimSpace(header.Get("X-CLIENT-KEY"))
	if clientID == "" {
		return fmt.Errorf("%w: missing X-CLIENT-KEY", ErrMalformed)
	}
	if expectedClientID == "" || clientID != expectedClientID {
		return ErrBadClientID
	}
	ts, err := checkTimestamp(header.Get("X-TIMESTAMP"), now)
	if err != nil {
		return err
	}
	if err := VerifyTokenSignature(dokuPublicKey, clientID, ts, header.Get("X-SIGNATURE")); err != nil {
		return err
	}
	var req tokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return fmt.Errorf("%w: body: %v", ErrMalformed, err)
	}
	if req.GrantType != "client_credentials" {
		return ErrUnsupportedGrant
	}
	return nil
}

// checkTimestamp returns the raw X-TIMESTAMP when present, readable and
// within MaxTimestampSkew of now.
func checkTimestamp(raw string, now time.Time) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", ErrMissingTimestamp
	}
	t, err := ParseTimestamp(raw)
	if err != nil {
		return "", err
	}
	if d := now.Sub(t); d > MaxTimestampSkew || d < -MaxTimestampSkew {
		return "", ErrStaleTimestamp
	}
	return raw, nil
}

// TokenIssuer issues the bearer tokens DOKU uses on notifications and checks
// them. A token carries its own expiry and a MAC under the issuer's key, so
// nothing is kept: any replica holding the same key accepts a token another
// replica issued, and a restart does not invalidate tokens in flight.
//
// A token is base64url(expiry in Unix milliseconds, 8 bytes big-endian ‖
// 16 random bytes ‖ the first 16 bytes of HMAC-SHA256(key, the 24 before)).
type TokenIssuer struct {
	TTL time.Duration // default TokenTTL
	key []byte
}

// tokenMACContext separates the MAC key of DOKU tokens from other uses of the
// secret it is derived from.
const tokenMACContext = "backoffice doku b2b access token v1"

// NewTokenIssuer returns an issuer with the SNAP default life of 900 s whose
// key is derived from secret (every replica must be given the same secret;
// the dashboard passes its session hash key). An empty secret draws a
// random key: tokens are then valid only in this process.
func NewTokenIssuer(secret []byte) *TokenIssuer {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret) // never fails (crypto/rand, Go 1.24+)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(tokenMACContext))
	return &TokenIssuer{TTL: TokenTTL, key: m.Sum(nil)}
}

// IssuedToken is what the token endpoint answers with.
type IssuedToken struct {
	AccessToken string
	ExpiresIn   time.Duration
	ExpiresAt   time.Time
}

const (
	tokenBody = 8 + 16 // expiry + random
	tokenMAC  = 16
)

func (ti *TokenIssuer) mac(body []byte) []byte {
	m := hmac.New(sha256.New, ti.key)
	m.Write(body)
	return m.Sum(nil)[:tokenMAC]
}

// Issue makes a token valid until now+TTL.
func (ti *TokenIssuer) Issue(now time.Time) (IssuedToken, error) {
	ttl := ti.TTL
	if ttl <= 0 {
		ttl = TokenTTL
	}
	exp := now.Add(ttl)
	b := make([]byte, tokenBody, tokenBody+tokenMAC)
	binary.BigEndian.PutUint64(b, uint64(exp.UnixMilli()))
	if _, err := rand.Read(b[8:]); err != nil {
		return IssuedToken{}, fmt.Errorf("doku: issue token: %w", err)
	}
	b = append(b, ti.mac(b)...)
	return IssuedToken{AccessToken: base64.RawURLEncoding.EncodeToString(b), ExpiresIn: ttl, ExpiresAt: exp}, nil
}

// Valid reports whether token was issued under this issuer's key and has
// not expired.
func (ti *TokenIssuer) Valid(token string, now time.Time) bool {
	if len(token) != base64.RawURLEncoding.EncodedLen(tokenBody+tokenMAC) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != tokenBody+tokenMAC {
		return false
	}
	if !hmac.Equal(b[tokenBody:], ti.mac(b[:tokenBody])) {
		return false
	}
	exp := time.UnixMilli(int64(binary.BigEndian.Uint64(b)))
	return now.Before(exp)
}

// TokenValidator is what VerifyNotification needs of a TokenIssuer.
type TokenValidator interface {
	Valid(token string, now time.Time) bool
}

// TokenReply is the body answering a verified token request.
func TokenReply(t IssuedToken) []byte {
	b, _ := json.Marshal(struct {
		ResponseCode    string         `json:"responseCode"`
		ResponseMessage string         `json:"responseMessage"`
		AccessToken     string         `json:"accessToken"`
		TokenType       string         `json:"tokenType"`
		ExpiresIn       int64          `json:"expiresIn"`
		AdditionalInfo  map[string]any `json:"additionalInfo"`
	}{"2007300", "Successful", t.AccessToken, "Bearer", int64(t.ExpiresIn / time.Second), map[string]any{}})
	return b
}

// ---- DOKU → merchant: POST /v1.0/debit/notify ----

// SignedRequest is what a notification signature covers.
type SignedRequest struct {
	Method      string
	Path        string // the request URI DOKU called, e.g. /callbacks/doku/v1.0/debit/notify
	AccessToken string // the bearer token, without "Bearer "
	Body        []byte
	Timestamp   string
	Signature   string
}

// SignatureVerifier checks a notification's X-SIGNATURE. DOKU's algorithm
// for notifications is unconfirmed, hence the interface.
type SignatureVerifier interface {
	VerifySignature(r SignedRequest) error
}

// HMACVerifier checks HMAC-SHA512 with the client secret over
// METHOD:path:accessToken:sha256(body):timestamp. The default.
//
// The docs do not say which token DOKU puts in that string: the bearer
// token the merchant issued it, or the merchant's own B2B token from DOKU
// (DOKU's SDK verifies with the latter). A signature made with either is
// accepted; OwnTokens (nil: none) gives the merchant's current B2B tokens.
type HMACVerifier struct {
	Secret    string
	OwnTokens func() []string
}

// What an HMAC notification signature was made with, for the verification reason.
const (
	SignedWithIssuedToken = "the bearer token the dashboard issued to DOKU"
	SignedWithOwnToken    = "the merchant's own B2B token from DOKU"
)

func (v HMACVerifier) VerifySignature(r SignedRequest) error {
	_, err := v.MatchSignature(r)
	return err
}

// MatchSignature verifies and says which token the signature was made with.
func (v HMACVerifier) MatchSignature(r SignedRequest) (string, error) {
	err := VerifyTransactionSignature(v.Secret, r.Method, r.Path, r.AccessToken, r.Body, r.Timestamp, r.Signature)
	if err == nil {
		return SignedWithIssuedToken, nil
	}
	if v.OwnTokens != nil {
		for _, own := range v.OwnTokens() {
			if own == "" || own == r.AccessToken {
				continue
			}
			if VerifyTransactionSignature(v.Secret, r.Method, r.Path, own, r.Body, r.Timestamp, r.Signature) == nil {
				return SignedWithOwnToken, nil
			}
		}
	}
	return "", err
}

// SignatureMatcher is a verifier that can say what a signature matched.
type SignatureMatcher interface {
	MatchSignature(r SignedRequest) (string, error)
}

// RSAVerifier checks SHA256withRSA under DOKU's public key over
// METHOD:path:sha256(body):timestamp (SNAP's asymmetric service signature).
type RSAVerifier struct{ PublicKey *rsa.PublicKey }

func (v RSAVerifier) VerifySignature(r SignedRequest) error {
	return verifyRSA(v.PublicKey, []byte(ServiceStringToSign(r.Method, r.Path, r.Body, r.Timestamp)), r.Signature)
}

// VerifyNotification checks, in order: a Bearer token this merchant issued,
// a fresh X-TIMESTAMP (ErrStaleTimestamp for replays), and X-SIGNATURE
// through verifier. path is the string DOKU signs: the request path, or
// the request URI with its query (see the DOKU_NOTIFY_SIGNS setting).
func VerifyNotification(header http.Header, method, path string, body []byte, tokens TokenValidator, verifier SignatureVerifier, now time.Time) error {
	_, err := VerifyNotificationMatch(header, method, path, body, tokens, verifier, now)
	return err
}

// VerifyNotificationMatch is VerifyNotification that also says, for a
// verifier that can tell (HMACVerifier), what the signature was made with.
func VerifyNotificationMatch(header http.Header, method, path string, body []byte, tokens TokenValidator, verifier SignatureVerifier, now time.Time) (string, error) {
	auth := strings.TrimSpace(header.Get("Authorization"))
	scheme, tok, ok := strings.Cut(auth, " ")
	if auth == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", ErrMissingToken
	}
	tok = strings.TrimSpace(tok)
	if tokens == nil || !tokens.Valid(tok, now) {
		return "", ErrInvalidToken
	}
	ts, err := checkTimestamp(header.Get("X-TIMESTAMP"), now)
	if err != nil {
		return "", err
	}
	sig := header.Get("X-SIGNATURE")
	if strings.TrimSpace(sig) == "" {
		return "", ErrMissingSignature
	}
	if verifier == nil {
		return "", fmt.Errorf("%w: no verifier configured", ErrBadSignature)
	}
	sr := SignedRequest{Method: method, Path: path, AccessToken: tok, Body: body, Timestamp: ts, Signature: sig}
	if m, ok := verifier.(SignatureMatcher); ok {
		return m.MatchSignature(sr)
	}
	return "", verifier.VerifySignature(sr)
}

// Notification is DOKU's payment notification.
type Notification struct {
	ExternalID                 string // X-EXTERNAL-ID of the notification
	OriginalPartnerReferenceNo string
	OriginalReferenceNo        string
	OriginalExternalID         string
	Status                     TransactionStatus
	StatusDescription          string
	Amount                     int64 // whole rupiah
	Currency                   string
	RawAmount                  string
	AdditionalInfo             map[string]any
}

type notificationJSON struct {
	OriginalPartnerReferenceNo string         `json:"originalPartnerReferenceNo"`
	OriginalReferenceNo        string         `json:"originalReferenceNo"`
	OriginalExternalID         string         `json:"originalExternalId"`
	LatestTransactionStatus    string         `json:"latestTransactionStatus"`
	TransactionStatusDesc      string         `json:"transactionStatusDesc"`
	Amount                     *AmountJSON    `json:"amount"`
	AdditionalInfo             map[string]any `json:"additionalInfo"`
}

// ParseNotification decodes a notification body; header (may be nil) gives
// X-EXTERNAL-ID. Verify first with VerifyNotification.
func ParseNotification(header http.Header, body []byte) (*Notification, error) {
	var n notificationJSON
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if n.OriginalPartnerReferenceNo == "" && n.OriginalReferenceNo == "" {
		return nil, fmt.Errorf("%w: no originalPartnerReferenceNo or originalReferenceNo", ErrMalformed)
	}
	if n.LatestTransactionStatus == "" {
		return nil, fmt.Errorf("%w: no latestTransactionStatus", ErrMalformed)
	}
	out := &Notification{
		OriginalPartnerReferenceNo: n.OriginalPartnerReferenceNo,
		OriginalReferenceNo:        n.OriginalReferenceNo,
		OriginalExternalID:         n.OriginalExternalID,
		Status:                     TransactionStatus(n.LatestTransactionStatus),
		StatusDescription:          n.TransactionStatusDesc,
		AdditionalInfo:             n.AdditionalInfo,
	}
	if header != nil {
		out.ExternalID = strings.TrimSpace(header.Get("X-EXTERNAL-ID"))
	}
	if n.Amount != nil && n.Amount.Value != "" {
		v, err := n.Amount.Value.Rupiah()
		if err != nil {
			return nil, fmt.Errorf("%w: amount: %v", ErrMalformed, err)
		}
		out.Amount, out.Currency, out.RawAmount = v, n.Amount.Currency, string(n.Amount.Value)
	}
	return out, nil
}

// DedupKey identifies one notification: DOKU's X-EXTERNAL-ID, the payment
// reference and the status, so a resent notification is recognised.
func (n *Notification) DedupKey() string {
	return "doku:" + n.ExternalID + ":" + n.OriginalPartnerReferenceNo + ":" + string(n.Status)
}

// References are the ids a clerk searches for.
func (n *Notification) References() []string {
	var refs []string
	for _, s := range []string{n.OriginalPartnerReferenceNo, n.OriginalReferenceNo, n.OriginalExternalID, n.ExternalID} {
		if s != "" {
			refs = append(refs, s)
		}
	}
	for _, k := range []string{"custIdMerchant", "phoneNo"} {
		if s, ok := n.AdditionalInfo[k].(string); ok && s != "" {
			refs = append(refs, s)
		}
	}
	return refs
}

// ---- replies ----

// Reply is an HTTP answer to DOKU.
type Reply struct {
	HTTPStatus int
	Body       []byte
}

func reply(status int, code, msg string) Reply {
	b, _ := json.Marshal(envelope{ResponseCode: code, ResponseMessage: msg})
	return Reply{HTTPStatus: status, Body: b}
}

// NotificationAck is the documented answer to an accepted notification.
func NotificationAck() Reply {
	return reply(http.StatusOK, "2005600", "Request has been processed successfully")
}

// TokenErrorReply answers a refused token request (service 73).
func TokenErrorReply(err error) Reply { return errorReply(ServiceTokenB2B, err) }

// NotificationErrorReply answers a refused notification (service 56).
func NotificationErrorReply(err error) Reply { return errorReply(ServiceNotify, err) }

func errorReply(service string, err error) Reply {
	switch {
	case err == nil:
		return reply(http.StatusOK, Code(200, service, "00"), "Successful")
	case is(err, ErrBadSignature), is(err, ErrMissingSignature):
		return reply(http.StatusUnauthorized, Code(401, service, "00"), "Unauthorized. Invalid Signature")
	case is(err, ErrBadClientID):
		return reply(http.StatusUnauthorized, Code(401, service, "00"), "Unauthorized. Unknown Client")
	case is(err, ErrStaleTimestamp):
		return reply(http.StatusUnauthorized, Code(401, service, "00"), "Unauthorized. Invalid Timestamp")
	case is(err, ErrMissingToken):
		return reply(http.StatusUnauthorized, Code(401, service, "03"), "Token Not Found (B2B)")
	case is(err, ErrInvalidToken):
		return reply(http.StatusUnauthorized, Code(401, service, "01"), "Invalid Token (B2B)")
	case is(err, ErrMissingTimestamp):
		return reply(http.StatusBadRequest, Code(400, service, "02"), "Invalid Mandatory Field [X-TIMESTAMP]")
	case is(err, ErrUnsupportedGrant):
		return reply(http.StatusBadRequest, Code(400, service, "01"), "Invalid Field Format [grantType]")
	case is(err, ErrMalformed):
		return reply(http.StatusBadRequest, Code(400, service, "00"), "Bad Request")
	}
	return reply(http.StatusInternalServerError, Code(500, service, "00"), "General Error")
}
