package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"backoffice/internal/providers/doku"
)

// TestAcceptsWhatDokuSDKsSend: DOKU's SDKs send no CHANNEL-ID on direct
// debit and Authorization-Customer without "Bearer "; DOKU takes both, so
// the sandbox does. X-DEVICE-ID and X-IP-ADDRESS are required, as at DOKU.
func TestAcceptsWhatDokuSDKsSend(t *testing.T) {
	e := newEnv(t, doku.PathSetCurrent, nil)
	ctx := context.Background()
	ct := e.link(t, "6285700000001", "cust-001")
	tok, err := e.client.AccessTokenB2B(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path := doku.Path(doku.PathSetCurrent, doku.EndpointBalance)
	body := []byte(`{"additionalInfo":{"channel":"EMONEY_OVO_SNAP"}}`)
	seq := 700000
	send := func(edit func(h http.Header)) (int, string) {
		seq++
		ts := doku.FormatTimestamp(time.Now())
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("Authorization", "Bearer "+tok.Token)
		h.Set("X-TIMESTAMP", ts)
		h.Set("X-SIGNATURE", doku.SignTransaction(secret, http.MethodPost, path, tok.Token, body, ts))
		h.Set("X-PARTNER-ID", clientID)
		h.Set("X-EXTERNAL-ID", strconv.Itoa(seq))
		h.Set("X-DEVICE-ID", "sdk-device")
		h.Set("X-IP-ADDRESS", "10.1.2.3")
		h.Set("Authorization-Customer", ct.AccessToken) // no "Bearer ", as most SDKs send it
		edit(h)
		req, _ := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader(string(body)))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out struct {
			ResponseCode    string `json:"responseCode"`
			ResponseMessage string `json:"responseMessage"`
		}
		_ = json.Unmarshal(b, &out)
		return resp.StatusCode, out.ResponseCode + " " + out.ResponseMessage
	}
	if st, got := send(func(http.Header) {}); st != http.StatusOK || !strings.HasPrefix(got, "2001100") {
		t.Errorf("SDK-shaped request without CHANNEL-ID, customer token without Bearer: %d %s", st, got)
	}
	if st, got := send(func(h http.Header) { h.Set("Authorization-Customer", "Bearer "+ct.AccessToken) }); st != http.StatusOK || !strings.HasPrefix(got, "2001100") {
		t.Errorf("customer token with Bearer: %d %s", st, got)
	}
	for _, missing := range []string{"X-DEVICE-ID", "X-IP-ADDRESS"} {
		st, got := send(func(h http.Header) { h.Del(missing) })
		if st != http.StatusBadRequest || got != "4001102 Invalid Mandatory Field ["+missing+"]" {
			t.Errorf("without %s: %d %s", missing, st, got)
		}
	}
	if st, got := send(func(h http.Header) { h.Set("Authorization-Customer", "Basic "+ct.AccessToken) }); st != http.StatusUnauthorized || !strings.HasPrefix(got, "4011104") {
		t.Errorf("customer token under another scheme: %d %s", st, got)
	}
}
