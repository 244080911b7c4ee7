// Package clerktext shows the clerk sentences of the OVO providers'
// errors (Faspay, DOKU, Ayopop) in the reader's language.
//
// The provider packages keep their English tables: a *provider.Error's
// Message is English, for logs and for the records that store it. The
// catalogue (internal/i18n/locales/ovo.*.toml, areas faspay, doku,
// ayopopmsg and ovonet) holds every such sentence under a key named after
// its code ("doku.s403_14", "ayopopmsg.code_302", "faspay.hint_signature"), in
// English exactly as the tables write it and in Indonesian. Text finds the
// key whose English is the error's sentence — placeholders such as
// {{.Name}} or {{.Status}} match any value — and gives its translation.
// A sentence made of two known parts (a code sentence and its advice) is
// translated part by part; one the catalogue does not know stays English.
package clerktext

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"

	"backoffice/internal/i18n"
	"backoffice/internal/providers/provider"
)

// Text is the clerk sentence of err in the request's language: its
// *provider.Error's Message translated, else err's own translated text.
func Text(ctx context.Context, err error) string {
	if err == nil {
		return ""
	}
	if e, ok := provider.AsError(err); ok {
		return Translate(ctx, e.Message)
	}
	return i18n.ErrText(ctx, err)
}

// Translate gives an English provider sentence in the request's language.
func Translate(ctx context.Context, english string) string {
	if english == "" || i18n.From(ctx) == i18n.EN {
		return english
	}
	if s, ok := match(ctx, english); ok {
		return s
	}
	// A known head with a known tail: "<code sentence><advice>".
	for _, t := range table().sentences {
		if t.re != nil || len(t.en) >= len(english) || !strings.HasSuffix(english, t.en) {
			continue
		}
		if head, ok := match(ctx, strings.TrimSuffix(english, t.en)); ok {
			return head + i18n.T(ctx, t.key)
		}
	}
	// The provider's own words in brackets after a known sentence stay as sent.
	if i := strings.LastIndex(english, " ("); i > 0 && strings.HasSuffix(english, ")") {
		if head := Translate(ctx, english[:i]); head != english[:i] {
			return head + english[i:]
		}
	}
	return english
}

// Known reports whether the catalogue translates english (tests).
func Known(english string) bool {
	ctx := i18n.With(context.Background(), i18n.ID)
	return Translate(ctx, english) != english || english == ""
}

// Areas are the catalogue areas whose keys are provider sentences.
var Areas = []string{"faspay", "doku", "ayopopmsg", "ovonet"}

type sentence struct {
	key   string
	en    string
	re    *regexp.Regexp // for a sentence with placeholders
	names []string
}

type sentences struct {
	exact     map[string]string // English → key
	sentences []sentence        // longest first
}

var (
	once sync.Once
	tab  *sentences
)

var placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z]+)\s*\}\}`)

func table() *sentences {
	once.Do(func() {
		tab = &sentences{exact: map[string]string{}}
		for _, k := range i18n.Keys(i18n.EN) {
			if !inAreas(k) {
				continue
			}
			en := template(k)
			s := sentence{key: k, en: en}
			if ms := placeholder.FindAllStringSubmatchIndex(en, -1); ms != nil {
				pat, last := "", 0
				for _, m := range ms {
					pat += regexp.QuoteMeta(en[last:m[0]]) + `(.+?)`
					s.names = append(s.names, en[m[2]:m[3]])
					last = m[1]
				}
				s.re = regexp.MustCompile(`^` + pat + regexp.QuoteMeta(en[last:]) + `$`)
			} else if _, dup := tab.exact[en]; !dup {
				tab.exact[en] = k
			}
			tab.sentences = append(tab.sentences, s)
		}
		sort.SliceStable(tab.sentences, func(i, j int) bool { return len(tab.sentences[i].en) > len(tab.sentences[j].en) })
	})
	return tab
}

// placeholderNames are the placeholders the provider sentences use.
var placeholderNames = []string{"Name", "Status", "Code", "Ref"}

// template is a key's English text with its placeholders as written: each
// is rendered as itself.
func template(k string) string {
	args := make([]any, 0, 2*len(placeholderNames))
	for _, n := range placeholderNames {
		args = append(args, n, "{{."+n+"}}")
	}
	return i18n.In(i18n.EN, k, args...)
}

func inAreas(k string) bool {
	area, _, _ := strings.Cut(k, ".")
	for _, a := range Areas {
		if area == a {
			return true
		}
	}
	return false
}

func match(ctx context.Context, english string) (string, bool) {
	t := table()
	if k, ok := t.exact[english]; ok {
		return i18n.T(ctx, k), true
	}
	for _, s := range t.sentences {
		if s.re == nil {
			continue
		}
		m := s.re.FindStringSubmatch(english)
		if m == nil {
			continue
		}
		args := make([]any, 0, 2*len(s.names))
		for i, n := range s.names {
			args = append(args, n, m[i+1])
		}
		return i18n.T(ctx, s.key, args...), true
	}
	return "", false
}
