package qr

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
)

func TestPNGIsAnImageOfTheAskedSize(t *testing.T) {
	b, err := PNG("https://pay.example/abc", 200)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 200 || r.Dy() != 200 {
		t.Fatalf("size %v", r)
	}
	u, err := DataURL("x", 64)
	if err != nil || !strings.HasPrefix(u, "data:image/png;base64,") {
		t.Fatalf("DataURL = %.40q %v", u, err)
	}
}

func TestEmptyOrHugeTextIsRefused(t *testing.T) {
	if _, err := PNG("", 100); err == nil {
		t.Fatal("empty text drawn")
	}
	if _, err := PNG(strings.Repeat("a", MaxText+1), 100); err == nil {
		t.Fatal("huge text drawn")
	}
}
