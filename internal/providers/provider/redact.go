package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

const redacted = "[redacted]"

// loggedHeaders are the headers whose values may appear in debug logs; every
// other header (Authorization, X-Api-Key, KEY, TOKEN, X-SIGNATURE, X-CLIENT-KEY,
// X-PARTNER-ID, cookies…) is logged by name only.
var loggedHeaders = map[string]bool{
	"Accept": true, "Content-Type": true, "Content-Length": true, "Date": true, "Server": true,
	"Version": true, "X-Timestamp": true, "X-External-Id": true, "Channel-Id": true, "X-Request-Id": true,
}

func redactHeader(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if loggedHeaders[http.CanonicalHeaderKey(k)] {
			out[k] = strings.Join(vs, ", ")
		} else {
			out[k] = redacted
		}
	}
	return out
}

// secretWords mark a JSON field or query parameter whose value is never
// logged. Over-matching (e.g. "shipping" contains "pin") only hides more.
var secretWords = []string{"token", "secret", "password", "passwd", "signature", "key", "auth", "pin", "otp", "credential", "session"}

func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func redactQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := strings.Join(q[k], ",")
		if secretName(k) {
			v = redacted
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "&")
}

// redactBody renders a JSON body with secret fields replaced and URL queries
// dropped; anything that is not JSON is summarised by its size only, since it
// cannot be redacted field by field.
func redactBody(b []byte) string {
	if len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return fmt.Sprintf("[%d bytes, not JSON]", len(b))
	}
	out, err := json.Marshal(redactValue(v))
	if err != nil {
		return fmt.Sprintf("[%d bytes]", len(b))
	}
	return string(out)
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretName(k) {
				x[k] = redacted
			} else {
				x[k] = redactValue(val)
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = redactValue(x[i])
		}
		return x
	case string:
		return redactURLString(x)
	}
	return v
}

// redactURLString drops the userinfo and query of a string that is a URL:
// redirect and renewal links carry one-time session ids.
func redactURLString(s string) string {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return redacted
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
		return s
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String() + "?" + redacted
}
