package faspay

import "testing"

func TestSignatureVectors(t *testing.T) {
	cases := []struct {
		name string
		got  string
		want string
	}{
		// The docs' samples are signed with these credentials.
		{"request, docs sample", Signature(testUserID, testPassword, testPhone), docsSignature},
		// Computed independently: printf %s bot99999p@ssw0rd1232 | md5sum | sha1sum of the hex.
		{"notification bill 123 status 2", NotificationSignature(testUserID, testPassword, "123", "2"), "f4b8ab5f0afa73f7ba3da3126698c42f646fd9a5"},
		{"request, other phone", Signature("bot12345", "secret", "089999999999"), sha1md5("bot12345secret089999999999")},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, c.got, c.want)
		}
	}
	if Signature(testUserID, testPassword, "081382826302") == docsSignature {
		t.Error("signature does not depend on the phone number")
	}
}

func TestSignatureEqual(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{docsSignature, docsSignature, true},
		{docsSignature, "1D4C5F7246A762C4AB61CD3D399EFA4C28978BF3", true},
		{docsSignature, " " + docsSignature + "\n", true},
		{docsSignature, docsSignature[:39], false},
		{docsSignature, "", false},
		{docsSignature, "0d4c5f7246a762c4ab61cd3d399efa4c28978bf3", false},
	}
	for _, c := range cases {
		if got := SignatureEqual(c.a, c.b); got != c.want {
			t.Errorf("SignatureEqual(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
