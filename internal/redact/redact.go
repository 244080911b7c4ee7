// Package redact hides secrets in what the dashboard logs and stores: the
// query of a request URL (the callback ?token=, API keys, signatures).
package redact

import (
	"net/url"
	"strings"
)

// secretParams are query parameters whose values are never logged or
// stored as sent.
var secretParams = []string{"token", "password", "api_key", "apikey", "key", "signature", "secret", "authcode", "auth_code"}

// Secret reports whether a query parameter holds a secret.
func Secret(name string) bool {
	for _, s := range secretParams {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}

// Query encodes q with the values of secret parameters replaced by
// REDACTED; q itself is not changed.
func Query(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	c := make(url.Values, len(q))
	for k, v := range q {
		if Secret(k) {
			c[k] = []string{"REDACTED"}
		} else {
			c[k] = v
		}
	}
	return c.Encode()
}

// RawQuery is Query for a query string as received; one that cannot be
// parsed is hidden whole.
func RawQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "[unparseable query redacted]"
	}
	return Query(q)
}
