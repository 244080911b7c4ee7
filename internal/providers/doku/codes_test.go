package doku

import (
	"strings"
	"testing"
)

func TestDescribeDocumentedCodes(t *testing.T) {
	// Every 7-character code the DOKU notes name has its own sentence.
	for _, code := range []string{"2007300", "2007400", "2000700", "2001100", "2005400", "2000900", "2005600", "4017300"} {
		if _, ok := codeMessages[code]; !ok {
			t.Errorf("%s has no sentence of its own", code)
		}
	}
	for code, msg := range codeMessages {
		if len(code) != 7 || msg == "" || !strings.HasSuffix(msg, ".") {
			t.Errorf("%s: bad entry %q", code, msg)
		}
	}
}

func TestDescribeFallbacks(t *testing.T) {
	tests := []struct{ code, want string }{
		{"4017300", "signature"},
		{"4035414", "balance is not enough"},
		{"4045411", "OVO does not know"},
		{"4011102", "linked again"},
		{"4095401", "already used"},
		{"5005400", "unknown until the status is checked"},
		{"5045400", "timed out"},
		{"2025400", "still processing"},
		{"2009999", "unlisted success"},
		{"4039999", "refused the request; nothing was done"},
		{"4189999", "unlisted error"},
		{"5999999", "DOKU had an error"},
		{"xyz", "unrecognised"},
		{"", "unrecognised"},
	}
	for _, tc := range tests {
		if got := Describe(tc.code); !strings.Contains(got, tc.want) {
			t.Errorf("Describe(%q) = %q, want it to mention %q", tc.code, got, tc.want)
		}
	}
}

func TestCode(t *testing.T) {
	if got := Code(401, ServiceTokenB2B, "00"); got != "4017300" {
		t.Errorf("Code = %s", got)
	}
	if got := Code(200, ServiceNotify, "00"); got != "2005600" {
		t.Errorf("Code = %s", got)
	}
	if got := Code(42, ServicePayment, "00"); got != "5005400" {
		t.Errorf("out of range status: %s", got)
	}
}

func TestPaths(t *testing.T) {
	if got := Path("", EndpointPayment); got != "/direct-debit/core/v1/debit/payment-host-to-host" {
		t.Errorf("default set: %s", got)
	}
	if got := Path(PathSetArchived, EndpointBalance); got != "/direct-debit/merchant/ovo/v1.0/balance-inquiry" {
		t.Errorf("archived: %s", got)
	}
	for _, set := range PathSets() {
		for ep := EndpointTokenB2B; ep <= EndpointUnbinding; ep++ {
			if !strings.HasPrefix(Path(set, ep), "/") {
				t.Errorf("%s %s: no path", set, ep)
			}
		}
	}
}

func TestTransactionStatus(t *testing.T) {
	if !StatusSuccess.Final() || StatusPending.Final() || StatusInitiated.Final() {
		t.Error("Final is wrong")
	}
	if StatusFailed.Description() != "Failed" || !strings.Contains(TransactionStatus("42").Description(), "42") {
		t.Error("Description is wrong")
	}
}
