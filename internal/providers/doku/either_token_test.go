package doku

import (
	"errors"
	"testing"
)

// TestNotificationSignedWithEitherToken: the docs do not say whether DOKU
// signs a notification with the token the dashboard issued it or with the
// merchant's own B2B token from DOKU; both are accepted and the match says which.
func TestNotificationSignedWithEitherToken(t *testing.T) {
	ti := NewTokenIssuer(nil)
	c := signedNotification(t, ti, "hmac", cbNow)
	own := "merchant-own-b2b-token"
	v := HMACVerifier{Secret: testSecret, OwnTokens: func() []string { return []string{"", own} }}

	how, err := VerifyNotificationMatch(c.header, "POST", c.path, c.body, ti, v, cbNow)
	if err != nil || how != SignedWithIssuedToken {
		t.Errorf("signed with the issued token: %q, %v", how, err)
	}

	ownSigned := c
	ownSigned.header = c.header.Clone()
	ts := c.header.Get("X-TIMESTAMP")
	ownSigned.header.Set("X-SIGNATURE", SignTransaction(testSecret, "POST", c.path, own, c.body, ts))
	how, err = VerifyNotificationMatch(ownSigned.header, "POST", ownSigned.path, ownSigned.body, ti, v, cbNow)
	if err != nil || how != SignedWithOwnToken {
		t.Errorf("signed with the merchant's own token: %q, %v", how, err)
	}
	// Without OwnTokens only the issued token counts.
	if err := VerifyNotification(ownSigned.header, "POST", ownSigned.path, ownSigned.body, ti, HMACVerifier{Secret: testSecret}, cbNow); !errors.Is(err, ErrBadSignature) {
		t.Errorf("own token without OwnTokens: %v", err)
	}
	// A token that is neither still fails.
	forged := c
	forged.header = c.header.Clone()
	forged.header.Set("X-SIGNATURE", SignTransaction(testSecret, "POST", c.path, "some-other-token", c.body, ts))
	if _, err := VerifyNotificationMatch(forged.header, "POST", forged.path, forged.body, ti, v, cbNow); !errors.Is(err, ErrBadSignature) {
		t.Errorf("signed with another token: %v", err)
	}
}
