package intake

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAllowListRefusesOtherSources(t *testing.T) {
	allow, err := ParseAllowList([]string{"10.0.0.0/8", "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	s := &Secrets{OYToken: "secret", AllowIPs: map[string][]netip.Prefix{"oy": allow}}
	body := []byte(`{"status":{"code":"000","message":"Success"},"amount":10000,"partner_trx_id":"P1","trx_id":"T1"}`)
	req := func(ip string) Outcome {
		return s.oyDisbursement(&Request{Method: "POST", Path: "/callbacks/oy/disbursement", Query: url.Values{"token": {"secret"}},
			Header: http.Header{}, Body: body, SourceIP: ip, Received: time.Now()})
	}
	for ip, ok := range map[string]bool{"10.1.2.3": true, "192.0.2.7": true, "127.0.0.1": false, "192.0.2.8": false, "not-an-ip": false} {
		o := req(ip)
		if o.Verified != ok {
			t.Errorf("%s: verified=%v reason=%q", ip, o.Verified, o.Reason)
		}
		if !ok && (o.ReplyStatus != http.StatusForbidden || !strings.Contains(o.Reason, "allow-list")) {
			t.Errorf("%s: refused with %d %q", ip, o.ReplyStatus, o.Reason)
		}
	}
	if _, err := ParseAllowList([]string{"nope"}); err == nil {
		t.Fatal("a bad allow-list entry was accepted")
	}
}

func TestStoredHeadersAndQueryHideSecrets(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer abc.def"}, "X-Api-Key": {"k"}, "Content-Type": {"application/json"}}
	got := HeadersJSON(h)
	if strings.Contains(got, "abc.def") || !strings.Contains(got, "Bearer REDACTED") || strings.Contains(got, `"k"`) {
		t.Fatalf("headers stored as %s", got)
	}
}
