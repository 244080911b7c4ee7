package doku

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// ErrKeyFormat is returned when a PEM file holds no usable RSA key.
var ErrKeyFormat = errors.New("doku: not an RSA key in PEM form")

// LoadPrivateKeyFile reads the merchant's RSA private key (PKCS#1 "RSA PRIVATE KEY"
// or PKCS#8 "PRIVATE KEY") from a PEM file, as named by DOKU_PRIVATE_KEY_FILE.
func LoadPrivateKeyFile(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("doku: read private key: %w", err)
	}
	return ParsePrivateKeyPEM(b)
}

// LoadPublicKeyFile reads DOKU's RSA public key (PKIX "PUBLIC KEY", PKCS#1
// "RSA PUBLIC KEY" or a certificate) from a PEM file, as named by DOKU_PUBLIC_KEY_FILE.
func LoadPublicKeyFile(path string) (*rsa.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("doku: read public key: %w", err)
	}
	return ParsePublicKeyPEM(b)
}

// ParsePrivateKeyPEM decodes the first PEM block holding an RSA private key.
func ParsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, ErrKeyFormat
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrKeyFormat, err)
			}
			return k, nil
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrKeyFormat, err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("%w: PKCS#8 key is %T", ErrKeyFormat, k)
			}
			return rk, nil
		}
	}
}

// ParsePublicKeyPEM decodes the first PEM block holding an RSA public key.
func ParsePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, ErrKeyFormat
		}
		switch block.Type {
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrKeyFormat, err)
			}
			rk, ok := k.(*rsa.PublicKey)
			if !ok {
				return nil, fmt.Errorf("%w: public key is %T", ErrKeyFormat, k)
			}
			return rk, nil
		case "RSA PUBLIC KEY":
			k, err := x509.ParsePKCS1PublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrKeyFormat, err)
			}
			return k, nil
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrKeyFormat, err)
			}
			rk, ok := c.PublicKey.(*rsa.PublicKey)
			if !ok {
				return nil, fmt.Errorf("%w: certificate key is %T", ErrKeyFormat, c.PublicKey)
			}
			return rk, nil
		}
	}
}

// GenerateKey makes a fresh RSA key pair, for the sandbox and for tests
// (`make run` keeps generated keys in the data directory, never in git).
// bits below 2048 are raised to 2048.
func GenerateKey(bits int) (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, max(bits, 2048))
}

// EncodePrivateKeyPEM encodes a private key as PKCS#8 "PRIVATE KEY".
func EncodePrivateKeyPEM(k *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("doku: encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// EncodePublicKeyPEM encodes a public key as PKIX "PUBLIC KEY", the form the
// DOKU back office accepts and hands out.
func EncodePublicKeyPEM(k *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, fmt.Errorf("doku: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// WriteKeyPairFiles generates a key pair and writes the private key (mode
// 0600) and public key (0644) PEM files, unless the private key file exists
// already, in which case both are left alone and the existing key is loaded.
func WriteKeyPairFiles(privatePath, publicPath string) (*rsa.PrivateKey, error) {
	if _, err := os.Stat(privatePath); err == nil {
		return LoadPrivateKeyFile(privatePath)
	}
	k, err := GenerateKey(2048)
	if err != nil {
		return nil, err
	}
	priv, err := EncodePrivateKeyPEM(k)
	if err != nil {
		return nil, err
	}
	pub, err := EncodePublicKeyPEM(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(privatePath, priv, 0o600); err != nil {
		return nil, fmt.Errorf("doku: write private key: %w", err)
	}
	if err := os.WriteFile(publicPath, pub, 0o644); err != nil {
		return nil, fmt.Errorf("doku: write public key: %w", err)
	}
	return k, nil
}
