// Package qr draws QR codes on the server (VA payment instructions, payment
// links, OVO linking URLs), so no page needs a script or a CDN for them.
package qr

import (
	"encoding/base64"
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// MaxText is the longest text encoded; longer texts are refused rather than
// drawn too dense to scan.
const MaxText = 1200

// PNG draws text as a square PNG of size pixels, medium error correction.
func PNG(text string, size int) ([]byte, error) {
	if text == "" || len(text) > MaxText {
		return nil, fmt.Errorf("qr: text of %d bytes (1 to %d allowed)", len(text), MaxText)
	}
	return qrcode.Encode(text, qrcode.Medium, size)
}

// DataURL is the PNG as a data: URL for an <img src>. The URL is made here
// from our own PNG bytes, never from user input, so a page may mark it safe.
func DataURL(text string, size int) (string, error) {
	b, err := PNG(text, size)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b), nil
}
