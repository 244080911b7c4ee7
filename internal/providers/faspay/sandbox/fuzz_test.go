package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"backoffice/internal/providers/faspay"
	"backoffice/internal/providers/faspay/sandbox"
)

var apiPaths = []string{faspay.Paths.Activation, faspay.Paths.Payment, faspay.Paths.Balance,
	faspay.Paths.Unlink, faspay.Paths.History, faspay.Paths.TopUpInstruction}

// FuzzSandboxRequest sends any body to every endpoint: the sandbox always
// answers JSON with a response_code and never panics.
func FuzzSandboxRequest(f *testing.F) {
	for i, name := range []string{"activation_request.json", "payment_request.json", "balance_request.json",
		"unlink_request.json", "history_request.json", "topup_instruction_request.json"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
	f.Add(uint8(1), []byte(`{"merchant_id":99999,"payment_channel":720,"phone_no":"081382826301","signature":"1d4c5f7246a762c4ab61cd3d399efa4c28978bf3","bill_total":"1e9","pay_type":"2"}`))
	sb := sandbox.New(sandbox.Options{MerchantID: "99999", UserID: "bot99999", Password: "p@ssw0rd",
		PublicURL: "http://sandbox.test", PreLinked: []string{"081382826301"}})
	f.Cleanup(sb.Close)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := apiPaths[int(which)%len(apiPaths)]
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
		var env map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatalf("%s answered non-JSON %d: %s", path, rec.Code, rec.Body.Bytes())
		}
		if code, _ := env["response_code"].(string); code == "" {
			t.Fatalf("%s answered without response_code: %s", path, rec.Body.Bytes())
		}
	})
}
