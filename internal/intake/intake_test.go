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

// HeadersJSON writes plain headers itself; the text must be exactly what
// encoding/json gives, whatever the headers hold.
func TestHeadersJSONMatchesEncodingJSON(t *testing.T) {
	pieces := []string{"", "a", "application/json", "Bearer abc.def", "x y", `"q"`, `back\slash`, "<b>&amp;", "tab\there",
		"new\nline", "\x00\x1f\x7f", "é", "\u2028", "\xff\xfe", "Go-http-client/1.1", "10.0.0.1, 10.0.0.2", "~!@#$%^*()_+{}|:?"}
	names := []string{"Content-Type", "Authorization", "X-Api-Key", "cookie", "X-Forwarded-For", "User-Agent", "weird<name>", "Ключ", "token", "a\"b"}
	rng := uint32(1)
	next := func(n int) int {
		rng = rng*1664525 + 1013904223
		return int(rng>>8) % n
	}
	plain := 0
	for i := range 3000 {
		h := http.Header{}
		for range next(6) {
			var vs []string
			for range next(3) {
				vs = append(vs, pieces[next(len(pieces))]+pieces[next(len(pieces))])
			}
			h[names[next(len(names))]] = vs
		}
		if i%7 == 0 {
			h = http.Header{"Content-Type": {"application/json"}, "Content-Length": {"216"}, "User-Agent": {"OY/1.0"}}
		}
		got, want := HeadersJSON(h), headersJSONEncoded(h)
		if got != want {
			t.Fatalf("headers %q: got %s, encoding/json gives %s", h, got, want)
		}
		if _, ok := appendPlainHeaders(nil, h); ok {
			plain++
		}
	}
	if plain < 500 {
		t.Fatalf("only %d of 3000 header sets took the direct path", plain)
	}
}

func BenchmarkHeadersJSON(b *testing.B) {
	h := http.Header{"Content-Type": {"application/json"}, "Content-Length": {"216"}, "User-Agent": {"OY/1.0"}, "X-Forwarded-For": {"203.0.113.7"}}
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			_ = HeadersJSON(h)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			_ = headersJSONEncoded(h)
		}
	})
}
