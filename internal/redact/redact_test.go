package redact

import (
	"net/url"
	"testing"
)

func TestQueryHidesEverySecretParameter(t *testing.T) {
	q := url.Values{"token": {"s3cret"}, "API_KEY": {"k1"}, "signature": {"sig"}, "Password": {"pw"}, "trx_id": {"T1"}}
	got, err := url.ParseQuery(Query(q))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"token", "API_KEY", "signature", "Password"} {
		if got.Get(k) != "REDACTED" {
			t.Errorf("%s stored as %q, want REDACTED", k, got.Get(k))
		}
	}
	if got.Get("trx_id") != "T1" {
		t.Errorf("trx_id = %q, want T1 kept", got.Get("trx_id"))
	}
	if q.Get("token") != "s3cret" {
		t.Error("Query changed its argument")
	}
}

func TestRawQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"":                  "",
		"token=abc&x=1":     "token=REDACTED&x=1",
		"a=%zz&token=abc":   "[unparseable query redacted]",
		"authcode=9&page=2": "authcode=REDACTED&page=2",
	} {
		if got := RawQuery(raw); got != want {
			t.Errorf("RawQuery(%q) = %q, want %q", raw, got, want)
		}
	}
}
