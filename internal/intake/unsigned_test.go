package intake

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"backoffice/internal/providers/doku"
)

// TestFaspayLinkageNeedsItsToken: Faspay signs nothing on the activation
// callback, so its URL carries FASPAY_CALLBACK_TOKEN; a request no token
// vouches for is refused and never called verified, allow-list or not.
func TestFaspayLinkageNeedsItsToken(t *testing.T) {
	q := func(token string) url.Values {
		v := url.Values{"response": {"Account Activation"}, "phone_number": {"081234567890"}, "response_code": {"00"}, "response_desc": {"Success"}}
		if token != "" {
			v.Set("token", token)
		}
		return v
	}
	req := func(s *Secrets, token, ip string) Outcome {
		return s.faspayLinkage(&Request{Method: "GET", Path: "/callbacks/faspay/ovo-linkage", Query: q(token), Header: http.Header{}, SourceIP: ip, Received: time.Now()})
	}
	open := &Secrets{FaspayToken: "fas-secret"}
	for _, tc := range []struct {
		name, token string
		verified    bool
		status      int
	}{
		{"right token", "fas-secret", true, 200},
		{"no token", "", false, 401},
		{"wrong token", "fas-secreT", false, 401},
	} {
		o := req(open, tc.token, "203.0.113.5")
		if o.Verified != tc.verified || o.ReplyStatus != tc.status {
			t.Errorf("%s: verified=%v status=%d reason=%q", tc.name, o.Verified, o.ReplyStatus, o.Reason)
		}
		if !o.Verified && len(o.Refs) == 0 {
			t.Errorf("%s: a refused but readable callback lost its references", tc.name)
		}
	}
	if o := req(open, "fas-secret", "203.0.113.5"); o.Subject != "081234567890" || strings.Contains(o.Reason, "allow-list") {
		t.Errorf("verified outcome: subject %q reason %q", o.Subject, o.Reason)
	}
	// No secret configured: nothing vouches, nothing is verified.
	if o := req(&Secrets{}, "", "203.0.113.5"); o.Verified {
		t.Errorf("no token configured, none sent: verified (%q)", o.Reason)
	}
	// An allow-list does not replace the token; with both, the reason says so.
	listed := &Secrets{FaspayToken: "fas-secret", AllowIPs: map[string][]netip.Prefix{"faspay": {netip.MustParsePrefix("203.0.113.0/24")}}}
	if o := req(listed, "", "203.0.113.5"); o.Verified {
		t.Errorf("allowed source without token: verified")
	}
	if o := req(listed, "fas-secret", "198.51.100.1"); o.Verified || o.ReplyStatus != http.StatusForbidden {
		t.Errorf("token from a source outside the list: %v %d", o.Verified, o.ReplyStatus)
	}
	if o := req(listed, "fas-secret", "203.0.113.5"); !o.Verified || !strings.Contains(o.Reason, "allow-list") {
		t.Errorf("token and allowed source: %v %q", o.Verified, o.Reason)
	}
}

// TestDokuNotifySignedString: the string DOKU signs is a setting (path by
// default); a signature over the other one is refused with a reason that
// names the setting to change, and the accepted reason says which token matched.
func TestDokuNotifySignedString(t *testing.T) {
	tokens := doku.NewTokenIssuer(nil)
	now := time.Now()
	tok, err := tokens.Issue(now)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"originalPartnerReferenceNo":"P1","originalReferenceNo":"R1","latestTransactionStatus":"00","amount":{"value":"10000.00","currency":"IDR"}}`)
	path, uri := "/callbacks/doku/v1.0/debit/notify", "/callbacks/doku/v1.0/debit/notify?x=1"
	signed := func(over string) *Request {
		ts := doku.FormatTimestamp(now)
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("Authorization", "Bearer "+tok.AccessToken)
		h.Set("X-TIMESTAMP", ts)
		h.Set("X-EXTERNAL-ID", "123")
		h.Set("X-SIGNATURE", doku.SignTransaction("sk", "POST", over, tok.AccessToken, body, ts))
		return &Request{Method: "POST", Path: path, URI: uri, Header: h, Body: body, SourceIP: "127.0.0.1", Received: now}
	}
	byPath := &Secrets{DokuSecretKey: "sk", DokuTokens: tokens}
	byURI := &Secrets{DokuSecretKey: "sk", DokuTokens: tokens, DokuNotifySignsURI: true}
	if o := byPath.dokuNotify(signed(path)); !o.Verified || !strings.Contains(o.Reason, "request path verified with "+doku.SignedWithIssuedToken) {
		t.Errorf("path setting, signed over path: %v %q", o.Verified, o.Reason)
	}
	if o := byURI.dokuNotify(signed(uri)); !o.Verified || !strings.Contains(o.Reason, "path and query") {
		t.Errorf("uri setting, signed over uri: %v %q", o.Verified, o.Reason)
	}
	if o := byPath.dokuNotify(signed(uri)); o.Verified || !strings.Contains(o.Reason, "set DOKU_NOTIFY_SIGNS=uri") {
		t.Errorf("path setting, signed over uri: %v %q", o.Verified, o.Reason)
	}
	if o := byURI.dokuNotify(signed(path)); o.Verified || !strings.Contains(o.Reason, "set DOKU_NOTIFY_SIGNS=path") {
		t.Errorf("uri setting, signed over path: %v %q", o.Verified, o.Reason)
	}
	// Signed with the merchant's own B2B token from DOKU.
	own := &Secrets{DokuTokens: tokens, DokuNotifyVerify: doku.HMACVerifier{Secret: "sk", OwnTokens: func() []string { return []string{"own-b2b"} }}}
	r := signed(path)
	r.Header.Set("X-SIGNATURE", doku.SignTransaction("sk", "POST", path, "own-b2b", body, r.Header.Get("X-TIMESTAMP")))
	if o := own.dokuNotify(r); !o.Verified || !strings.Contains(o.Reason, doku.SignedWithOwnToken) {
		t.Errorf("own token: %v %q", o.Verified, o.Reason)
	}
}
