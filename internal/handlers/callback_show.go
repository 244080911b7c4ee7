package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/web/templates/pages/callbacks"
)

func (s *Server) loadCallback(c echo.Context) (*models.Callback, error) {
	return loadByID(c, s.store.CallbackByID)
}

func (s *Server) showCallback(c echo.Context) error {
	cb, err := s.loadCallback(c)
	if err != nil {
		return err
	}
	attempts, err := s.store.CallbackAttempts(c.Request().Context(), cb.ID)
	if err != nil {
		return err
	}
	st := state(c)
	ctx := c.Request().Context()
	p := callbacks.DetailProps{Callback: *cb, Attempts: attempts, CanReplay: st.user.Role == models.RoleAdmin, CSRF: st.csrf,
		RecordURL: recordURL(cb.RecordType, cb.RecordID), Label: cb.Provider + " " + cb.Kind}
	for _, ep := range s.callbacks.Endpoints {
		if ep.Provider == cb.Provider && ep.Kind == cb.Kind {
			p.Label = i18n.Maybe(ctx, endpointLabel(ep.Provider, ep.Kind, ep.Label))
		}
	}
	var hs map[string]string
	_ = json.Unmarshal([]byte(cb.Headers), &hs)
	for k, v := range hs {
		p.Headers = append(p.Headers, callbacks.Header{Name: k, Value: v})
	}
	sort.Slice(p.Headers, func(i, j int) bool { return p.Headers[i].Name < p.Headers[j].Name })
	p.Body, p.BodyFormat = prettyBody(ctx, cb.Body, cb.Method)
	return s.render(c, http.StatusOK, i18n.T(ctx, "callbacks.detail_title", "ID", strconv.FormatInt(cb.ID, 10)), callbacks.Detail(p))
}

// recordURL links a record a callback changed to its page.
func recordURL(recordType, id string) string {
	if id == "" {
		return ""
	}
	switch recordType {
	case "disbursement":
		return "/disbursements/" + url.PathEscape(id)
	case "topup":
		return "/ovo-topups/" + url.PathEscape(id)
	case "virtual_account":
		return "/virtual-accounts/" + url.PathEscape(id)
	case string(models.KindPaymentLink): // checkout records are named by their kind
		return "/payment-links/" + url.PathEscape(id)
	case string(models.KindInvoice):
		return "/invoices/" + url.PathEscape(id)
	case "ovo_account":
		return "/ovo-accounts/" + url.PathEscape(id)
	case "ovo_payment":
		return "/ovo-payments/" + url.PathEscape(id)
	}
	return ""
}

// prettyBody shows a stored body readably: JSON indented, XML indented,
// form fields one a line; anything else as text, bytes that are not UTF-8
// written as escapes. The format is named in the request's language.
func prettyBody(ctx context.Context, body []byte, method string) (string, string) {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		if method == http.MethodGet {
			return i18n.T(ctx, "callbacks.body_in_query"), i18n.T(ctx, "callbacks.format_empty")
		}
		return i18n.T(ctx, "callbacks.body_empty"), i18n.T(ctx, "callbacks.format_empty")
	case json.Valid(trimmed):
		var out bytes.Buffer
		if json.Indent(&out, trimmed, "", "  ") == nil {
			return out.String(), "JSON"
		}
	case trimmed[0] == '<':
		if s, ok := indentXML(trimmed); ok {
			return s, "XML"
		}
	}
	if utf8.Valid(trimmed) && !bytes.ContainsAny(trimmed, "{<\n") && bytes.Contains(trimmed, []byte("=")) {
		if v, err := url.ParseQuery(string(trimmed)); err == nil && len(v) > 0 {
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var b strings.Builder
			for _, k := range keys {
				for _, val := range v[k] {
					b.WriteString(k + " = " + val + "\n")
				}
			}
			return b.String(), i18n.T(ctx, "callbacks.format_form")
		}
	}
	if utf8.Valid(body) {
		return string(body), i18n.T(ctx, "callbacks.format_text")
	}
	q := strconv.QuoteToASCII(string(body))
	return q[1 : len(q)-1], i18n.T(ctx, "callbacks.format_bytes")
}

func indentXML(b []byte) (string, bool) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var out bytes.Buffer
	e := xml.NewEncoder(&out)
	e.Indent("", "  ")
	for {
		t, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", false
		}
		if cd, ok := t.(xml.CharData); ok && len(bytes.TrimSpace(cd)) == 0 {
			continue
		}
		if err := e.EncodeToken(t); err != nil {
			return "", false
		}
	}
	if err := e.Flush(); err != nil {
		return "", false
	}
	return out.String(), true
}
