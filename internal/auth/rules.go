package auth

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// commonPasswordsText is the shipped list of common passwords; its header
// says where it came from.
//
//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 20000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[line] = struct{}{}
	}
	return set
})

// CommonPasswordCount is the size of the shipped list.
func CommonPasswordCount() int { return len(commonPasswords()) }

// IsCommonPassword reports whether pw, ignoring case and spaces, is on the list.
func IsCommonPassword(pw string) bool {
	p := strings.ToLower(pw)
	if _, ok := commonPasswords()[p]; ok {
		return true
	}
	_, ok := commonPasswords()[strings.Join(strings.Fields(p), "")]
	return ok
}

// Password rule sentences, one per rule, as the form shows them.
var (
	MsgTooShort   = fmt.Sprintf("Use at least %d characters.", MinPasswordLength)
	MsgTooLong    = fmt.Sprintf("Use at most %d characters.", MaxPasswordLength)
	MsgOnlySpaces = "A password cannot be only spaces."
	MsgCommon     = "This password is on the list of common passwords that attackers try first; choose another."
	MsgHasEmail   = "The password must not contain the email address."
	MsgHasName    = "The password must not contain the person's name."
)

// PasswordProblems lists every rule pw breaks, one sentence each, for the
// person with this email and name; nil when it is acceptable.
func PasswordProblems(pw, email, name string) []string {
	var out []string
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		out = append(out, MsgTooShort)
	case n > MaxPasswordLength:
		out = append(out, MsgTooLong)
	}
	if n > 0 && strings.TrimSpace(pw) == "" {
		out = append(out, MsgOnlySpaces)
	}
	if IsCommonPassword(pw) {
		out = append(out, MsgCommon)
	}
	low := squash(pw)
	if containsEmail(low, email) {
		out = append(out, MsgHasEmail)
	}
	if containsName(low, name) {
		out = append(out, MsgHasName)
	}
	return out
}

// CheckPasswordRules is PasswordProblems as one text: the sentences joined,
// or "" when the password is acceptable.
func CheckPasswordRules(pw, email, name string) string {
	return strings.Join(PasswordProblems(pw, email, name), " ")
}

// squash lowercases and drops spaces, dots, dashes and underscores, so
// "Siti.Rahma" and "siti rahma" compare alike.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '.' || r == '-' || r == '_' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

func containsEmail(pw, email string) bool {
	email = strings.TrimSpace(email)
	if email == "" {
		return false
	}
	if strings.Contains(pw, squash(email)) {
		return true
	}
	local, _, _ := strings.Cut(email, "@")
	l := squash(local)
	return utf8.RuneCountInString(l) >= 4 && strings.Contains(pw, l)
}

func containsName(pw, name string) bool {
	if full := squash(name); utf8.RuneCountInString(full) >= 4 && strings.Contains(pw, full) {
		return true
	}
	for _, part := range strings.Fields(name) {
		if p := squash(part); utf8.RuneCountInString(p) >= 4 && strings.Contains(pw, p) {
			return true
		}
	}
	return false
}
