package doku

import (
	"errors"
	"testing"
)

// Vectors computed independently with openssl (see testdata/README.md):
//
//	printf '%s' 'sandbox-client|2024-01-27T15:58:59+07:00' | openssl dgst -sha256 -sign test-vector-private-key-pkcs1.pem | base64
//	printf '%s' 'POST:/direct-debit/core/v1/debit/payment-host-to-host:tok-abc:<sha256 hex>:2024-01-27T15:58:59+07:00' | openssl dgst -sha512 -hmac secret-xyz -binary | base64
const (
	vectorTimestamp = "2024-01-27T15:58:59+07:00"
	vectorTokenSig  = "OWimzWof0O2uT0w45ojGkt2cST6VB0rJaThEHzoTn4IXb0dVptVuB/PZd+WN7YtEhm+IiSqgZiO1bM811dRi/3c2NwYEigV1JyPjPnVaXpAb1vF5AXy0z2zpdKVkM0rUFtHu3BhLjaj4zzKyyUSPlwU/TG+xc1vzP1pSqQht7DJ0+vLe9EcDjN5LagVbqEf0uYRvYQWdQaNvkUPKvF7QKcWA6jo4AuC2SMr47vIzzZlrNOOxyop1UaglVyiE/tmmUZEKCuR+dp4Y5Oi6zI74nUitnqlnkDqh2RZHKCoGRJqrWcgDHa2I44WXmmAXd7ZdR2QcXmNVy/9FDOBltBoEhA=="
	vectorBody      = `{"partnerReferenceNo":"INV-0001","amount":{"value":"10000.00","currency":"IDR"}}`
	vectorBodyHash  = "d656d72c526a95426a0c4f4cd319b6a00e5b5dc602dfa07ed470b2ca22e9cde0"
	vectorHMACSig   = "Z4rfBbUHPEtwB+OjOMM1dJs5tEdCYGmATJpX6lx4gzSr1PDyt87+I8bRuZ6S6mfwWAhoh0N4qKNHFlhaP3ya7w=="
	vectorPath      = "/direct-debit/core/v1/debit/payment-host-to-host"
)

func TestTokenSignatureVector(t *testing.T) {
	for _, file := range []string{"test-vector-private-key-pkcs1.pem", "test-vector-private-key-pkcs8.pem"} {
		key, err := ParsePrivateKeyPEM(fixture(t, file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		sig, err := SignToken(key, "sandbox-client", vectorTimestamp)
		if err != nil {
			t.Fatal(err)
		}
		if sig != vectorTokenSig {
			t.Errorf("%s: signature = %s, want the openssl vector", file, sig)
		}
	}
	pub, err := ParsePublicKeyPEM(fixture(t, "test-vector-public-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyTokenSignature(pub, "sandbox-client", vectorTimestamp, vectorTokenSig); err != nil {
		t.Errorf("vector does not verify: %v", err)
	}
	for name, tc := range map[string]struct{ client, ts, sig string }{
		"other client":    {"other-client", vectorTimestamp, vectorTokenSig},
		"other timestamp": {"sandbox-client", "2024-01-27T15:59:00+07:00", vectorTokenSig},
		"not base64":      {"sandbox-client", vectorTimestamp, "%%%"},
		"truncated":       {"sandbox-client", vectorTimestamp, vectorTokenSig[:40]},
	} {
		if err := VerifyTokenSignature(pub, tc.client, tc.ts, tc.sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", name, err)
		}
	}
	if err := VerifyTokenSignature(pub, "sandbox-client", vectorTimestamp, ""); !errors.Is(err, ErrMissingSignature) {
		t.Errorf("empty signature: err = %v", err)
	}
}

func TestTransactionSignatureVector(t *testing.T) {
	if got := BodyDigest([]byte(vectorBody)); got != vectorBodyHash {
		t.Errorf("digest = %s", got)
	}
	// Pretty-printed bodies are minified before hashing, keys keep their order.
	pretty := "{\n  \"partnerReferenceNo\": \"INV-0001\",\n  \"amount\": {\"value\": \"10000.00\", \"currency\": \"IDR\"}\n}"
	if got := BodyDigest([]byte(pretty)); got != vectorBodyHash {
		t.Errorf("pretty digest = %s", got)
	}
	sig := SignTransaction("secret-xyz", "post", vectorPath, "tok-abc", []byte(vectorBody), vectorTimestamp)
	if sig != vectorHMACSig {
		t.Errorf("signature = %s, want the openssl vector", sig)
	}
	if err := VerifyTransactionSignature("secret-xyz", "POST", vectorPath, "tok-abc", []byte(pretty), vectorTimestamp, vectorHMACSig); err != nil {
		t.Errorf("vector does not verify: %v", err)
	}
	bad := []struct{ name, secret, path, token, body, ts, sig string }{
		{"secret", "secret-abc", vectorPath, "tok-abc", vectorBody, vectorTimestamp, vectorHMACSig},
		{"path", "secret-xyz", "/direct-debit/core/v1/balance-inquiry", "tok-abc", vectorBody, vectorTimestamp, vectorHMACSig},
		{"token", "secret-xyz", vectorPath, "tok-abd", vectorBody, vectorTimestamp, vectorHMACSig},
		{"body", "secret-xyz", vectorPath, "tok-abc", `{"partnerReferenceNo":"INV-0002"}`, vectorTimestamp, vectorHMACSig},
		{"reordered body", "secret-xyz", vectorPath, "tok-abc", `{"amount":{"value":"10000.00","currency":"IDR"},"partnerReferenceNo":"INV-0001"}`, vectorTimestamp, vectorHMACSig},
		{"timestamp", "secret-xyz", vectorPath, "tok-abc", vectorBody, "2024-01-27T15:59:00+07:00", vectorHMACSig},
		{"garbage", "secret-xyz", vectorPath, "tok-abc", vectorBody, vectorTimestamp, "!!"},
	}
	for _, tc := range bad {
		if err := VerifyTransactionSignature(tc.secret, "POST", tc.path, tc.token, []byte(tc.body), tc.ts, tc.sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", tc.name, err)
		}
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	k, err := WriteKeyPairFiles(dir+"/p.pem", dir+"/pub.pem")
	if err != nil {
		t.Fatal(err)
	}
	again, err := WriteKeyPairFiles(dir+"/p.pem", dir+"/pub.pem")
	if err != nil || !again.Equal(k) {
		t.Fatalf("second call must load the existing key: %v", err)
	}
	pub, err := LoadPublicKeyFile(dir + "/pub.pem")
	if err != nil || !pub.Equal(&k.PublicKey) {
		t.Fatalf("public key: %v", err)
	}
	if _, err := ParsePrivateKeyPEM([]byte("not pem")); !errors.Is(err, ErrKeyFormat) {
		t.Errorf("err = %v", err)
	}
	if _, err := ParsePublicKeyPEM(fixture(t, "test-vector-private-key-pkcs8.pem")); !errors.Is(err, ErrKeyFormat) {
		t.Errorf("private key read as public: err = %v", err)
	}
	if _, err := LoadPrivateKeyFile(dir + "/missing.pem"); err == nil {
		t.Error("missing file must fail")
	}
}

func TestTimestamp(t *testing.T) {
	ts, err := ParseTimestamp(vectorTimestamp)
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatTimestamp(ts.UTC()); got != vectorTimestamp {
		t.Errorf("FormatTimestamp = %s", got)
	}
	for _, bad := range []string{"", "2024-01-27 15:58:59", "yesterday"} {
		if _, err := ParseTimestamp(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
