package doku

import (
	"backoffice/internal/providers/provider"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeAnswer feeds arbitrary answers to every response parser: the
// result is a typed *provider.Error or a decoded value, never a panic.
func FuzzDecodeAnswer(f *testing.F) {
	for _, name := range []string{"token-b2b-response.json", "token-b2b2c-response.json", "binding-response.json",
		"balance-response.json", "payment-response.json", "unbinding-response.json", "error-4017300.json"} {
		f.Add(200, fixture(f, name))
	}
	f.Add(502, []byte("<html>bad gateway</html>"))
	f.Add(200, []byte(`{"responseCode":"2001100","accountInfos":[{"balanceType":"CASH","amount":{"value":"1.5","currency":"IDR"}}]}`))
	f.Add(200, []byte(`{"responseCode":`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		outs := []any{&tokenResponse{}, &bindingResponse{}, &balanceResponse{}, &paymentResponse{}, &unbindingResponse{}}
		for _, out := range outs {
			_, err := decodeAnswer("fuzz", status, body, nil, out)
			if err != nil {
				var e *provider.Error
				if !errors.As(err, &e) || e.Message == "" || e.Outcome == 0 {
					t.Fatalf("untyped error %v", err)
				}
			}
		}
		var b balanceResponse
		if _, err := decodeAnswer("fuzz", status, body, nil, &b); err == nil {
			for _, a := range b.AccountInfos {
				_, _ = a.Amount.Value.Rupiah()
			}
		}
	})
}

func FuzzParseNotification(f *testing.F) {
	f.Add(fixture(f, "notify-request.json"))
	f.Add([]byte(`{"originalReferenceNo":"1","latestTransactionStatus":"03","amount":{"value":25000,"currency":"IDR"}}`))
	f.Add([]byte(`{"originalReferenceNo":"1","latestTransactionStatus":"03","amount":{"value":"9223372036854775808.00"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseNotification(http.Header{"X-External-Id": {"1"}}, body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if n.DedupKey() == "" || len(n.References()) == 0 {
			t.Fatal("parsed notification without key or references")
		}
	})
}

func FuzzVerifyNotification(f *testing.F) {
	ti := NewTokenIssuer(nil)
	tok, _ := ti.Issue(cbNow)
	body := fixture(f, "notify-request.json")
	ts := FormatTimestamp(cbNow)
	good := SignTransaction(testSecret, "POST", "/n", tok.AccessToken, body, ts)
	f.Add("Bearer "+tok.AccessToken, ts, good, body)
	f.Add("Bearer x", ts, good, body)
	f.Add("", "", "", []byte{})
	f.Fuzz(func(t *testing.T, auth, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set("Authorization", auth)
		h.Set("X-TIMESTAMP", ts)
		h.Set("X-SIGNATURE", sig)
		err := VerifyNotification(h, "POST", "/n", body, ti, HMACVerifier{Secret: testSecret}, cbNow)
		// Only the real token with a signature that verifies may pass.
		if err == nil && (!strings.Contains(auth, tok.AccessToken) ||
			VerifyTransactionSignature(testSecret, "POST", "/n", tok.AccessToken, body, ts, sig) != nil) {
			t.Fatal("accepted a bad notification")
		}
		if r := NotificationErrorReply(err); r.HTTPStatus == 0 || len(r.Body) == 0 {
			t.Fatal("empty reply")
		}
	})
}

func FuzzVerifyTokenRequest(f *testing.F) {
	_, dokuKey := testKeys(f)
	ts := FormatTimestamp(cbNow)
	sig, _ := SignToken(dokuKey, testClientID, ts)
	f.Add(testClientID, ts, sig, []byte(`{"grantType":"client_credentials"}`))
	f.Add(testClientID, "2024-01-27T15:58:59Z", "", []byte(`{}`))
	f.Fuzz(func(t *testing.T, client, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set("X-CLIENT-KEY", client)
		h.Set("X-TIMESTAMP", ts)
		h.Set("X-SIGNATURE", sig)
		err := VerifyTokenRequest(h, body, &dokuKey.PublicKey, testClientID, cbNow)
		if err == nil && (client != testClientID || VerifyTokenSignature(&dokuKey.PublicKey, client, ts, sig) != nil) {
			t.Fatal("accepted a bad token request")
		}
		if r := TokenErrorReply(err); r.HTTPStatus == 0 {
			t.Fatal("empty reply")
		}
	})
}

func FuzzVerifyTransactionSignature(f *testing.F) {
	f.Add("POST", vectorPath, "tok-abc", []byte(vectorBody), vectorTimestamp, vectorHMACSig)
	f.Add("GET", "/", "", []byte{}, "", "")
	f.Fuzz(func(t *testing.T, method, path, token string, body []byte, ts, sig string) {
		err := VerifyTransactionSignature("secret-xyz", method, path, token, body, ts, sig)
		if err != nil && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrMissingSignature) {
			t.Fatalf("unexpected error %v", err)
		}
		own := SignTransaction("secret-xyz", method, path, token, body, ts)
		if VerifyTransactionSignature("secret-xyz", method, path, token, body, ts, own) != nil {
			t.Fatal("own signature does not verify")
		}
	})
}

func FuzzParseTimestampAndDecimal(f *testing.F) {
	f.Add("2024-01-27T15:58:59+07:00", "10000.00")
	f.Add("2024-01-27T15:58:59.123Z", "-0.00")
	f.Fuzz(func(t *testing.T, ts, amount string) {
		if tm, err := ParseTimestamp(ts); err == nil {
			_ = FormatTimestamp(tm)
			_, _ = checkTimestamp(ts, time.Now())
		}
		var d Decimal
		_ = d.UnmarshalJSON([]byte(amount))
		_, _ = d.Rupiah()
	})
}
