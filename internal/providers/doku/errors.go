package doku

import "errors"

// Failures of client calls are *provider.Error values (see package
// provider); this file holds the sentinels of callback and signature
// verification.

// Sentinel errors of callback and signature verification.
var (
	ErrMalformed        = errors.New("doku: malformed request")
	ErrMissingSignature = errors.New("doku: missing X-SIGNATURE")
	ErrBadSignature     = errors.New("doku: signature does not match")
	ErrMissingTimestamp = errors.New("doku: missing X-TIMESTAMP")
	ErrStaleTimestamp   = errors.New("doku: X-TIMESTAMP too old or too far in the future")
	ErrBadClientID      = errors.New("doku: unknown client id")
	ErrUnsupportedGrant = errors.New("doku: unsupported grantType")
	ErrMissingToken     = errors.New("doku: missing bearer token")
	ErrInvalidToken     = errors.New("doku: bearer token unknown or expired")
)

func is(err, target error) bool { return errors.Is(err, target) }
