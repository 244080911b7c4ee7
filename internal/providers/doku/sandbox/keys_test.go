package sandbox_test

import (
	"crypto/rsa"
	"os"
	"path/filepath"
	"testing"

	"backoffice/internal/providers/doku"
	"backoffice/internal/providers/doku/sandbox"
)

func TestLoadOrCreateKeysLoadsExisting(t *testing.T) {
	mk, dk := keys(t)
	dir := t.TempDir()
	for name, k := range map[string]*rsa.PrivateKey{sandbox.MerchantPrivateKeyFile: mk, sandbox.SandboxPrivateKeyFile: dk} {
		pem, err := doku.EncodePrivateKeyPEM(k)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), pem, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := sandbox.LoadOrCreateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Merchant.Equal(mk) || !got.Doku.Equal(dk) {
		t.Error("existing keys were not loaded")
	}
}
