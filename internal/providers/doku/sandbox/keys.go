package sandbox

import (
	"crypto/rsa"
	"fmt"
	"os"
	"path/filepath"

	"backoffice/internal/providers/doku"
)

// Keys are the two RSA key pairs a dashboard running against the sandbox
// needs: the merchant's (the client signs with it, the sandbox verifies) and
// the sandbox's own "DOKU" pair (the sandbox signs its token requests to the
// dashboard, the dashboard verifies with the public half).
type Keys struct {
	Merchant *rsa.PrivateKey
	Doku     *rsa.PrivateKey
}

// Key file names inside the data directory.
const (
	MerchantPrivateKeyFile = "doku-merchant-private.pem"
	MerchantPublicKeyFile  = "doku-merchant-public.pem"
	SandboxPrivateKeyFile  = "doku-sandbox-private.pem"
	SandboxPublicKeyFile   = "doku-sandbox-public.pem"
)

// LoadOrCreateKeys reads both key pairs from dir, generating (and writing,
// private keys with mode 0600) whichever is missing. Never point dir at git.
func LoadOrCreateKeys(dir string) (*Keys, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("doku sandbox: key directory: %w", err)
	}
	m, err := doku.WriteKeyPairFiles(filepath.Join(dir, MerchantPrivateKeyFile), filepath.Join(dir, MerchantPublicKeyFile))
	if err != nil {
		return nil, err
	}
	d, err := doku.WriteKeyPairFiles(filepath.Join(dir, SandboxPrivateKeyFile), filepath.Join(dir, SandboxPublicKeyFile))
	if err != nil {
		return nil, err
	}
	return &Keys{Merchant: m, Doku: d}, nil
}
