// Package i18n holds the dashboard's two languages, English and Bahasa
// Indonesia: one catalogue per language (locales/<area>.<lang>.toml, read
// with go-i18n), the language of a request carried in its context, and
// dates with month and weekday names in that language.
//
// Texts are looked up by key: T(ctx, "nav.balance"). Keys are
// "<area>.<name>"; a key missing from a catalogue renders as itself, which
// the tests look for (docs/i18n.md).
package i18n

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Lang is one of the dashboard's languages.
type Lang string

const (
	EN Lang = "en"
	ID Lang = "id"
)

// Langs lists the languages in the order the header's toggle shows them.
var Langs = []Lang{ID, EN}

// Default is the language when nothing else says.
const Default = EN

// Parse reads a language code as stored or posted ("en", "id").
func Parse(s string) (Lang, bool) {
	switch Lang(strings.ToLower(strings.TrimSpace(s))) {
	case EN:
		return EN, true
	case ID:
		return ID, true
	}
	return "", false
}

// Name is the language's own name, for the toggle.
func (l Lang) Name() string {
	if l == ID {
		return "Bahasa Indonesia"
	}
	return "English"
}

// HTMLTag is the value of <html lang>.
func (l Lang) HTMLTag() string {
	if l == ID {
		return "id"
	}
	return "en-GB"
}

var matcher = language.NewMatcher([]language.Tag{language.English, language.Indonesian})

// Negotiate picks the language from an Accept-Language header; Malay
// speakers get Indonesian, as browsers set in Malaysia often ask for it.
func Negotiate(acceptLanguage string) Lang {
	if strings.TrimSpace(acceptLanguage) == "" {
		return Default
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return Default
	}
	if i == 1 {
		return ID
	}
	return EN
}

type ctxKey struct{}

// With returns ctx carrying the language l.
func With(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From is the language carried by ctx, English when none is.
func From(ctx context.Context) Lang {
	if ctx != nil {
		if l, ok := ctx.Value(ctxKey{}).(Lang); ok {
			return l
		}
	}
	return Default
}

//go:embed locales/*.toml
var localeFiles embed.FS

type catalogue struct {
	loc  map[Lang]*goi18n.Localizer
	keys map[Lang]map[string]bool
	// plain holds the messages with no placeholder and one form, so the
	// common lookup is a map read, not a template run.
	plain map[Lang]map[string]string
	// months and weekdays as the catalogue spells them.
	months   map[Lang][12]string
	weekdays map[Lang][7]string
}

var (
	loadOnce sync.Once
	cat      *catalogue
	loadErr  error
)

func catalogueOf() *catalogue {
	loadOnce.Do(func() { cat, loadErr = load(localeFiles) })
	if loadErr != nil {
		// The catalogues are embedded and tested; failing here is a broken build.
		panic(loadErr)
	}
	return cat
}

func load(fsys fs.FS) (*catalogue, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &catalogue{
		loc:      map[Lang]*goi18n.Localizer{},
		keys:     map[Lang]map[string]bool{EN: {}, ID: {}},
		plain:    map[Lang]map[string]string{EN: {}, ID: {}},
		months:   map[Lang][12]string{},
		weekdays: map[Lang][7]string{},
	}
	paths, err := fs.Glob(fsys, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		buf, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		mf, err := b.ParseMessageFileBytes(buf, p)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", p, err)
		}
		l, ok := Parse(mf.Tag.String())
		if !ok {
			return nil, fmt.Errorf("i18n: %s: language %q is not one of the dashboard's", p, mf.Tag)
		}
		for _, m := range mf.Messages {
			if c.keys[l][m.ID] {
				return nil, fmt.Errorf("i18n: %s: key %q is defined twice", p, m.ID)
			}
			c.keys[l][m.ID] = true
			if m.Zero == "" && m.One == "" && m.Two == "" && m.Few == "" && m.Many == "" && !strings.Contains(m.Other, "{{") {
				c.plain[l][m.ID] = m.Other
			}
		}
	}
	for _, l := range Langs {
		c.loc[l] = goi18n.NewLocalizer(b, string(l))
	}
	for _, l := range Langs {
		ms := strings.Fields(c.text(l, "time.months", nil))
		ws := strings.Fields(c.text(l, "time.weekdays", nil))
		if len(ms) != 12 || len(ws) != 7 {
			return nil, errors.New("i18n: time.months needs 12 names and time.weekdays 7 in " + string(l))
		}
		c.months[l] = [12]string(ms)
		c.weekdays[l] = [7]string(ws)
	}
	return c, nil
}

// text looks id up; a missing key comes back as the key itself.
func (c *catalogue) text(l Lang, id string, args []any) string {
	if s, ok := c.plain[l][id]; ok {
		return s
	}
	lc := &goi18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = args[i+1]
			if name == "Count" {
				lc.PluralCount = args[i+1]
			}
		}
		lc.TemplateData = data
	}
	if !c.keys[l][id] {
		return id
	}
	s, err := c.loc[l].Localize(lc)
	if err != nil && lc.PluralCount != nil {
		// A message with one form serves every count.
		lc.PluralCount = nil
		s, err = c.loc[l].Localize(lc)
	}
	if err != nil {
		return id
	}
	return s
}

// T is the text of key id in the request's language. args are pairs of a
// placeholder name and its value: T(ctx, "disb.approved", "Ref", ref). A
// "Count" argument also chooses the plural form.
func T(ctx context.Context, id string, args ...any) string {
	return catalogueOf().text(From(ctx), id, args)
}

// Maybe translates s when it is a key of the catalogue and leaves any
// other text (a bank's or a person's name) as it is.
func Maybe(ctx context.Context, s string) string {
	if catalogueOf().keys[EN][s] {
		return T(ctx, s)
	}
	return s
}

// In is the text of key id in language l.
func In(l Lang, id string, args ...any) string {
	return catalogueOf().text(l, id, args)
}

// Message is a text to be shown later in the reader's language: rules and
// services that know what went wrong but not who reads it return one.
type Message struct {
	ID   string
	Args []any
}

// M makes a Message; args as for T.
func M(id string, args ...any) Message { return Message{ID: id, Args: args} }

// In is the message in the request's language.
func (m Message) In(ctx context.Context) string { return T(ctx, m.ID, m.Args...) }

// String is the message in English, for logs.
func (m Message) String() string { return In(EN, m.ID, m.Args...) }

// IsZero reports whether m holds no message.
func (m Message) IsZero() bool { return m.ID == "" }

// Error is an error whose text a user reads: Error() is English for logs,
// Text translates it for the page.
type Error struct{ Message }

// Errorf makes an Error from a key and its arguments.
func Errorf(id string, args ...any) *Error { return &Error{M(id, args...)} }

func (e *Error) Error() string { return e.Message.String() }

// ErrText is err as a user reads it: translated when it is (or wraps) an
// *Error, else err's own text.
func ErrText(ctx context.Context, err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.In(ctx)
	}
	return err.Error()
}

// Keys lists every key of language l, sorted (for tests).
func Keys(l Lang) []string {
	ks := make([]string, 0, len(catalogueOf().keys[l]))
	for k := range catalogueOf().keys[l] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Has reports whether l's catalogue holds key id.
func Has(l Lang, id string) bool { return catalogueOf().keys[l][id] }

// Areas lists the first parts of every key ("nav", "disb", ...), so a test
// can spot a key shown raw on a page.
func Areas() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range Langs {
		for k := range catalogueOf().keys[l] {
			a, _, _ := strings.Cut(k, ".")
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	sort.Strings(out)
	return out
}

// RawKeys finds, in text a person reads, anything shaped like a key of
// the catalogue ("area.name"): a text that was never translated.
func RawKeys(text string) []string {
	return rawKeyPattern().FindAllString(text, -1)
}

var (
	rawOnce sync.Once
	rawRe   *regexp.Regexp
)

func rawKeyPattern() *regexp.Regexp {
	rawOnce.Do(func() {
		areas := Areas()
		for i, a := range areas {
			areas[i] = regexp.QuoteMeta(a)
		}
		rawRe = regexp.MustCompile(`\b(?:` + strings.Join(areas, "|") + `)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*\b`)
	})
	return rawRe
}
