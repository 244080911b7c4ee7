package auth

import (
	"bufio"
	"context"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"backoffice/internal/i18n"
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

// Password rule sentences, one per rule, as catalogue messages
// (internal/i18n) that the form shows in the reader's language.
var (
	ruleTooShort   = i18n.M("auth.pw_too_short", "Min", MinPasswordLength)
	ruleTooLong    = i18n.M("auth.pw_too_long", "Max", MaxPasswordLength)
	ruleOnlySpaces = i18n.M("auth.pw_only_spaces")
	ruleCommon     = i18n.M("auth.pw_common")
	ruleHasEmail   = i18n.M("auth.pw_has_email")
	ruleHasName    = i18n.M("auth.pw_has_name")
)

// The same sentences in English, for the command line and logs.
var (
	MsgTooShort   = ruleTooShort.String()
	MsgTooLong    = ruleTooLong.String()
	MsgOnlySpaces = ruleOnlySpaces.String()
	MsgCommon     = ruleCommon.String()
	MsgHasEmail   = ruleHasEmail.String()
	MsgHasName    = ruleHasName.String()
)

// PasswordRulesBroken lists every rule pw breaks, one message each, for
// the person with this email and name; nil when it is acceptable.
func PasswordRulesBroken(pw, email, name string) []i18n.Message {
	var out []i18n.Message
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		out = append(out, ruleTooShort)
	case n > MaxPasswordLength:
		out = append(out, ruleTooLong)
	}
	if n > 0 && strings.TrimSpace(pw) == "" {
		out = append(out, ruleOnlySpaces)
	}
	if IsCommonPassword(pw) {
		out = append(out, ruleCommon)
	}
	low := squash(pw)
	if containsEmail(low, email) {
		out = append(out, ruleHasEmail)
	}
	if containsName(low, name) {
		out = append(out, ruleHasName)
	}
	return out
}

// PasswordProblems is PasswordRulesBroken in English sentences.
func PasswordProblems(pw, email, name string) []string {
	var out []string
	for _, m := range PasswordRulesBroken(pw, email, name) {
		out = append(out, m.String())
	}
	return out
}

// CheckPasswordRules is PasswordProblems as one English text (for the
// command line): the sentences joined, or "" when the password is
// acceptable.
func CheckPasswordRules(pw, email, name string) string {
	return strings.Join(PasswordProblems(pw, email, name), " ")
}

// PasswordRulesText is the broken rules as one text in the request's
// language, or "" when the password is acceptable.
func PasswordRulesText(ctx context.Context, pw, email, name string) string {
	var out []string
	for _, m := range PasswordRulesBroken(pw, email, name) {
		out = append(out, m.In(ctx))
	}
	return strings.Join(out, " ")
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
