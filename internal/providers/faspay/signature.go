package faspay

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// Signature is the request signature of every OVO Tokenize call:
// sha1(md5(user_id + password + phone_no)), lowercase hex at each step.
func Signature(userID, password, phoneNo string) string {
	return sha1md5(userID + password + phoneNo)
}

// NotificationSignature is the payment notification signature:
// sha1(md5(user_id + password + bill_no + payment_status_code)).
func NotificationSignature(userID, password, billNo, statusCode string) string {
	return sha1md5(userID + password + billNo + statusCode)
}

func sha1md5(s string) string {
	m := md5.Sum([]byte(s))
	h := sha1.Sum([]byte(hex.EncodeToString(m[:])))
	return hex.EncodeToString(h[:])
}

// SignatureEqual compares two hex signatures in constant time, ignoring case.
func SignatureEqual(want, got string) bool {
	w := strings.ToLower(strings.TrimSpace(want))
	g := strings.ToLower(strings.TrimSpace(got))
	return len(w) == len(g) && subtle.ConstantTimeCompare([]byte(w), []byte(g)) == 1
}
