// Package intake receives provider callbacks: it authenticates each
// request, works out its dedup key and references, and decides the reply
// the provider expects. The HTTP glue stores the request (through the
// store's group-committing writer) before sending that reply; the Worker
// then applies stored callbacks to the records they concern.
package intake

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"backoffice/internal/providers/doku"
)

// MaxBody is the largest callback body accepted; larger ones get 413.
const MaxBody = 256 << 10

// Request is one inbound callback as received.
type Request struct {
	Method   string
	Path     string // e.g. /callbacks/oy/disbursement
	URI      string // path and query as received, which DOKU signs
	Query    url.Values
	Header   http.Header
	Body     []byte
	SourceIP string
	Received time.Time
}

// Outcome is what intake decided about a request: whether it is genuine,
// how to recognise a repeat of it, and what to answer.
type Outcome struct {
	Verified bool
	Reason   string // in words, shown to auditors
	DedupKey string
	Refs     []string
	// Subject is the reference a processor matches its record by (OY's
	// partner_trx_id), parsed here once so the worker need not parse again.
	Subject string
	// Parsed is the parsed body of a verified callback, handed to the
	// processor with it so the body is parsed once.
	Parsed      any
	ReplyStatus int
	ReplyBody   []byte
	// StoredReply is the reply as kept in the log when the real one holds a
	// secret (the DOKU access token); nil means ReplyBody.
	StoredReply []byte
	// NoProcessing marks requests that need no worker (a token request).
	NoProcessing bool
}

// Endpoint is one callback URL.
type Endpoint struct {
	Provider string
	Kind     string
	Method   string
	Path     string
	Label    string
	// Media are the body types the provider documents; none for a GET.
	Media []string
	// Token: the URL carries the ?token= secret (providers that sign nothing).
	Token  bool
	handle func(r *Request) Outcome
}

// URL is the address to register with the provider, the secret shown as
// REDACTED.
func (e Endpoint) URL(base string) string {
	if e.Token {
		return base + e.Path + "?token=REDACTED"
	}
	return base + e.Path
}

// Handle decides the outcome of one request to this endpoint. A genuine,
// readable callback sent with another Content-Type than the provider
// documents is still accepted (refusing it would lose a real change of
// state), but its verification reason says so.
func (e Endpoint) Handle(r *Request) Outcome {
	out := e.handle(r)
	if out.Verified {
		if note := e.mediaNote(r.Header.Get("Content-Type")); note != "" {
			out.Reason += "; " + note
		}
	}
	return out
}

// mediaNote is "" when ct is one of the endpoint's documented types.
func (e Endpoint) mediaNote(ct string) string {
	if len(e.Media) == 0 || ct == e.Media[0] {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && slices.Contains(e.Media, mt) {
		return ""
	}
	documented := strings.Join(e.Media, " or ")
	if ct == "" {
		return "note: sent without a Content-Type (documented: " + documented + ")"
	}
	return "note: sent as " + strconv.Quote(ct) + ", not as documented (" + documented + ")"
}

// Secrets is what intake checks callbacks against.
type Secrets struct {
	OYToken          string
	AyopopToken      string
	FaspayToken      string // ?token= on the activation callback URL
	FaspayUserID     string
	FaspayPassword   string
	DokuClientID     string
	DokuSecretKey    string
	DokuPublicKey    *rsa.PublicKey // verifies DOKU's token requests
	DokuTokens       *doku.TokenIssuer
	AllowIPs         map[string][]netip.Prefix // provider → allowed sources; empty allows any
	DokuNotifyVerify doku.SignatureVerifier    // nil: HMAC-SHA512 with DokuSecretKey
	// DokuNotifySignsURI: DOKU signs the notification's path and query
	// (DOKU_NOTIFY_SIGNS=uri); false: the path only (the default).
	DokuNotifySignsURI bool
}

// ParseAllowList reads comma-separated IPs and CIDRs.
func ParseAllowList(items []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, it := range items {
		if p, err := netip.ParsePrefix(it); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(it)
		if err != nil {
			return nil, fmt.Errorf("intake: %q is not an IP address or CIDR", it)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func (s *Secrets) ipAllowed(provider, ip string) bool {
	list := s.AllowIPs[provider]
	if len(list) == 0 {
		return true
	}
	host := ip
	if h, _, err := net.SplitHostPort(ip); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// redactedHeaders are never stored as sent.
var redactedHeaders = map[string]bool{"Authorization": true, "Cookie": true, "X-Api-Key": true, "Key": true, "Token": true, "Proxy-Authorization": true}

// HeadersJSON is the request's headers as stored: sorted, secrets redacted.
// Every callback passes here, so headers of plain printable ASCII (nearly
// all) are written directly; anything else goes through encoding/json. Both
// give the same text (TestHeadersJSONMatchesEncodingJSON).
func HeadersJSON(h http.Header) string {
	if b, ok := appendPlainHeaders(make([]byte, 0, 64*len(h)+2), h); ok {
		return string(b)
	}
	return headersJSONEncoded(h)
}

// appendPlainHeaders writes h as a JSON object with sorted keys, values
// joined by ", " and secrets redacted, as encoding/json would, provided
// every key and value is plain: printable ASCII that encoding/json writes
// as is. It reports false otherwise.
func appendPlainHeaders(b []byte, h http.Header) ([]byte, bool) {
	var small [16]string
	keys := small[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if !plainJSON(k) {
			return b, false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':', '"')
		if redactedHeaders[http.CanonicalHeaderKey(k)] {
			v := redactValue(strings.Join(h[k], ", "))
			if !plainJSON(v) {
				return b, false
			}
			b = append(b, v...)
		} else {
			for j, v := range h[k] {
				if !plainJSON(v) {
					return b, false
				}
				if j > 0 {
					b = append(b, ',', ' ')
				}
				b = append(b, v...)
			}
		}
		b = append(b, '"')
	}
	return append(b, '}'), true
}

// plainJSON reports whether encoding/json (which escapes HTML) writes s
// inside quotes unchanged.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// headersJSONEncoded is HeadersJSON through encoding/json.
func headersJSONEncoded(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m := make(map[string]string, len(h))
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		if redactedHeaders[http.CanonicalHeaderKey(k)] {
			v = redactValue(v)
		}
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// HeadersJSONWithin is HeadersJSON for a stored sample: at most about
// limit bytes, values clipped to 256 bytes, and the headers left out
// counted under "(not kept)".
func HeadersJSONWithin(h http.Header, limit int) string {
	full := HeadersJSON(h)
	if len(full) <= limit {
		return full
	}
	var m map[string]string
	_ = json.Unmarshal([]byte(full), &m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kept := map[string]string{}
	used, left := 64, 0
	for _, k := range keys {
		v := Clip(m[k], 256)
		if used+len(k)+len(v)+8 > limit {
			left++
			continue
		}
		kept[Clip(k, 128)] = v
		used += len(k) + len(v) + 8
	}
	if left > 0 {
		kept["(not kept)"] = strconv.Itoa(left) + " more headers"
	}
	b, _ := json.Marshal(kept)
	return string(b)
}

// Clip cuts s to at most n bytes without splitting a UTF-8 character.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// redactValue keeps an auth scheme word but hides the secret after it.
func redactValue(v string) string {
	if scheme, _, ok := strings.Cut(v, " "); ok && len(scheme) < 10 {
		return scheme + " REDACTED"
	}
	return "REDACTED"
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
