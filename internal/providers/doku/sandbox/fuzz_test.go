package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/internal/providers/doku"
	"backoffice/internal/providers/doku/sandbox"
)

// direct drives a Sandbox without a network, for fuzzing.
type direct struct {
	sb  *sandbox.Sandbox
	seq atomic.Int64
	tok string
}

func (d *direct) do(t testing.TB, method, target string, h http.Header, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	d.sb.ServeHTTP(rec, req)
	return rec
}

func (d *direct) signed(t testing.TB, path, customer string, body []byte) *httptest.ResponseRecorder {
	ts := doku.FormatTimestamp(time.Now())
	h := http.Header{}
	h.Set("Authorization", "Bearer "+d.tok)
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", doku.SignTransaction(secret, http.MethodPost, path, d.tok, body, ts))
	h.Set("X-PARTNER-ID", clientID)
	h.Set("X-EXTERNAL-ID", strconv.FormatInt(1_000_000+d.seq.Add(1), 10))
	h.Set("CHANNEL-ID", "H2H")
	h.Set("X-DEVICE-ID", "fuzz-device")
	h.Set("X-IP-ADDRESS", "127.0.0.1")
	if customer != "" {
		h.Set("Authorization-Customer", "Bearer "+customer)
	}
	return d.do(t, http.MethodPost, path, h, body)
}

func (d *direct) token(t testing.TB, path string, body []byte) map[string]any {
	mk, _ := keys(t)
	ts := doku.FormatTimestamp(time.Now())
	sig, _ := doku.SignToken(mk, clientID, ts)
	h := http.Header{}
	h.Set("X-CLIENT-KEY", clientID)
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", sig)
	var out map[string]any
	if err := json.Unmarshal(d.do(t, http.MethodPost, path, h, body).Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzSandboxRequests sends arbitrary, correctly signed bodies to every
// sandbox endpoint: each answer is JSON with a 7-character responseCode.
func FuzzSandboxRequests(f *testing.F) {
	mk, dk := keys(f)
	d := &direct{sb: sandbox.New(sandbox.Options{ClientID: clientID, SecretKey: secret, MerchantPublicKey: &mk.PublicKey, DokuPrivateKey: dk, PublicURL: "http://sandbox"})}
	f.Cleanup(d.sb.Close)
	d.tok, _ = d.token(f, "/authorization/v1/access-token/b2b", []byte(`{"grantType":"client_credentials"}`))["accessToken"].(string)
	bind := d.signed(f, doku.Path(doku.PathSetCurrent, doku.EndpointBinding), "", fixture(f, "binding-request.json"))
	var b struct {
		RedirectURL string `json:"redirectUrl"`
	}
	_ = json.Unmarshal(bind.Body.Bytes(), &b)
	page := d.do(f, http.MethodPost, strings.TrimPrefix(b.RedirectURL, "http://sandbox"),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, []byte("otp="+sandbox.SandboxOTP+"&pin="+sandbox.SandboxPIN))
	u, _ := url.Parse(page.Header().Get("Location"))
	customer, _ := d.token(f, "/authorization/v1/access-token/b2b2c", []byte(`{"grantType":"authorization_code","authCode":"`+u.Query().Get("authCode")+`"}`))["accessToken"].(string)
	if d.tok == "" || customer == "" {
		f.Fatal("could not set up tokens")
	}
	for i, file := range []string{"binding-request.json", "balance-request.json", "payment-request.json", "unbinding-request.json"} {
		f.Add(uint8(i), fixture(f, file))
	}
	f.Add(uint8(2), []byte(`{"partnerReferenceNo":"x","amount":{"value":"1e3","currency":"IDR"}}`))
	f.Add(uint8(1), []byte(`[]`))
	eps := []doku.Endpoint{doku.EndpointBinding, doku.EndpointBalance, doku.EndpointPayment, doku.EndpointUnbinding}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ep := eps[int(which)%len(eps)]
		cust := ""
		if ep == doku.EndpointBalance || ep == doku.EndpointPayment {
			cust = customer
		}
		if ep == doku.EndpointUnbinding && bytes.Contains(body, []byte(customer)) {
			return // keep the customer token alive for later inputs
		}
		rec := d.signed(t, doku.Path(doku.PathSetCurrent, ep), cust, body)
		var env struct {
			ResponseCode string `json:"responseCode"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || len(env.ResponseCode) != 7 {
			t.Fatalf("%s answered %d %q", ep, rec.Code, rec.Body.String())
		}
		if strconv.Itoa(rec.Code) != env.ResponseCode[:3] {
			t.Fatalf("HTTP %d with code %s", rec.Code, env.ResponseCode)
		}
	})
}
