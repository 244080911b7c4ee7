package ayopop

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// jwt.io's published HS256 example: an independent vector.
const (
	jwtIOToken  = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	jwtIOSecret = "your-256-bit-secret"
	// The page's inquiry request signed with "sandbox-secret" (computed with Python's hmac).
	inquiryPayload = `{"partnerId":"partner-id","accountNumber":"081215474224","productCode":"product-code"}`
	inquiryToken   = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJwYXJ0bmVySWQiOiJwYXJ0bmVyLWlkIiwiYWNjb3VudE51bWJlciI6IjA4MTIxNTQ3NDIyNCIsInByb2R1Y3RDb2RlIjoicHJvZHVjdC1jb2RlIn0.o67kOYkR05m8eveEwIxWTvULKnlKNKGUVLwpKjkY7Dk"
)

func TestSignTokenFixedVector(t *testing.T) {
	got, err := SignToken([]byte("sandbox-secret"), []byte(inquiryPayload))
	if err != nil {
		t.Fatal(err)
	}
	if got != inquiryToken {
		t.Fatalf("SignToken =\n%s\nwant\n%s", got, inquiryToken)
	}
}

func TestVerifyTokenFixedVectors(t *testing.T) {
	payload, err := VerifyToken([]byte(jwtIOSecret), jwtIOToken)
	if err != nil {
		t.Fatalf("jwt.io example refused: %v", err)
	}
	if string(payload) != `{"sub":"1234567890","name":"John Doe","iat":1516239022}` {
		t.Fatalf("payload = %s", payload)
	}
	payload, err = VerifyToken([]byte("sandbox-secret"), inquiryToken)
	if err != nil || string(payload) != inquiryPayload {
		t.Fatalf("VerifyToken = %s, %v", payload, err)
	}
}

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestVerifyTokenRejects(t *testing.T) {
	secret := []byte("sandbox-secret")
	parts := strings.Split(inquiryToken, ".")
	body := enc(`{"partnerId":"evil"}`)
	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"alg none, no signature", enc(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + ".", ErrTokenAlgorithm},
		{"alg none, with signature", enc(`{"alg":"none"}`) + "." + parts[1] + "." + parts[2], ErrTokenAlgorithm},
		{"alg None", enc(`{"alg":"None"}`) + "." + parts[1] + ".", ErrTokenAlgorithm},
		{"alg hs256 lowercase", enc(`{"alg":"hs256"}`) + "." + parts[1] + "." + parts[2], ErrTokenAlgorithm},
		{"alg HS512", enc(`{"alg":"HS512"}`) + "." + parts[1] + "." + parts[2], ErrTokenAlgorithm},
		{"alg RS256", enc(`{"alg":"RS256"}`) + "." + parts[1] + "." + parts[2], ErrTokenAlgorithm},
		{"no alg", enc(`{"typ":"JWT"}`) + "." + parts[1] + "." + parts[2], ErrTokenAlgorithm},
		{"alg not a string", enc(`{"alg":1}`) + "." + parts[1] + "." + parts[2], ErrTokenMalformed},
		{"payload swapped", parts[0] + "." + body + "." + parts[2], ErrTokenSignature},
		{"signature cut", parts[0] + "." + parts[1] + "." + parts[2][:10], ErrTokenSignature},
		{"empty signature", parts[0] + "." + parts[1] + ".", ErrTokenSignature},
		{"signature not base64", parts[0] + "." + parts[1] + ".!!!", ErrTokenSignature},
		{"two parts", parts[0] + "." + parts[1], ErrTokenMalformed},
		{"four parts", inquiryToken + ".x", ErrTokenMalformed},
		{"empty", "", ErrTokenMalformed},
		{"header not base64", "%%%." + parts[1] + "." + parts[2], ErrTokenMalformed},
		{"header not JSON", enc("HS256") + "." + parts[1] + "." + parts[2], ErrTokenMalformed},
		{"jwt.io token, wrong secret", jwtIOToken, ErrTokenSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			payload, err := VerifyToken(secret, c.token)
			if !errors.Is(err, c.want) || payload != nil {
				t.Fatalf("VerifyToken = %q, %v; want %v", payload, err, c.want)
			}
		})
	}
	if _, err := VerifyToken([]byte("other-secret"), inquiryToken); !errors.Is(err, ErrTokenSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, err := VerifyToken(nil, inquiryToken); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("no secret: %v", err)
	}
	if _, err := SignToken(nil, []byte("{}")); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("SignToken without secret: %v", err)
	}
	// A correctly signed token whose payload is not a JSON object is refused too.
	arr, _ := SignToken(secret, []byte(`[1,2]`))
	if _, err := VerifyToken(secret, arr); !errors.Is(err, ErrTokenMalformed) {
		t.Fatalf("array payload: %v", err)
	}
}

func TestTokenErrorsDoNotLeakSecrets(t *testing.T) {
	_, err := VerifyToken([]byte("sandbox-secret"), inquiryToken+"x")
	if err == nil || strings.Contains(err.Error(), "sandbox-secret") || strings.Contains(err.Error(), inquiryToken[:20]) {
		t.Fatalf("error %v", err)
	}
}

func FuzzVerifyToken(f *testing.F) {
	f.Add("sandbox-secret", inquiryToken)
	f.Add(jwtIOSecret, jwtIOToken)
	f.Add("k", enc(`{"alg":"none"}`)+"."+enc(`{}`)+".")
	f.Add("k", "a.b.c")
	f.Add("k", "...")
	f.Fuzz(func(t *testing.T, secret, token string) {
		payload, err := VerifyToken([]byte(secret), token)
		if err == nil {
			// Anything accepted must carry HS256 and re-verify.
			if secret == "" || payload == nil {
				t.Fatalf("accepted without secret or payload")
			}
			h, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
			if !strings.Contains(string(h), "HS256") {
				t.Fatalf("accepted header %q", h)
			}
		}
		if secret != "" {
			doc, _ := json.Marshal(map[string]string{"t": token})
			signed, err := SignToken([]byte(secret), doc)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := VerifyToken([]byte(secret), signed); err != nil {
				t.Fatalf("own token refused: %v", err)
			}
		}
	})
}
