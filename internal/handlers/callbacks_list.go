package handlers

import (
	"backoffice/internal/wib"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/components"
	"backoffice/web/templates/pages/callbacks"
)

// countCap is the window of newest matching callbacks the status counts
// cover, so the page stays fast on a log of millions.
const countCap = 10000

// callbackFilterForm is the callback log's filter form, as typed.
type callbackFilterForm struct {
	Provider, Kind, Verified, Status, From, To, Q string
	Duplicate                                     bool
}

func readCallbackFilters(get func(string) string) callbackFilterForm {
	return callbackFilterForm{
		Provider: get("provider"), Kind: get("kind"), Verified: get("verified"), Status: get("status"),
		From: get("from"), To: get("to"), Q: strings.TrimSpace(get("q")), Duplicate: get("duplicate") == "1",
	}
}

// Filter validates the form into a store filter, with a sentence per bad field.
func (s *Server) callbackFilter(f callbackFilterForm) (store.CallbackFilter, map[string]string) {
	errs := map[string]string{}
	out := store.CallbackFilter{Provider: f.Provider, Kind: f.Kind, Ref: f.Q, Duplicate: f.Duplicate, Status: models.CallbackStatus(f.Status)}
	if f.Provider != "" && !slices.Contains(s.callbackProviders(), f.Provider) {
		errs["provider"] = "Choose a provider from the list."
	}
	if f.Kind != "" && !slices.Contains(s.callbackKinds(), f.Kind) {
		errs["kind"] = "Choose a type from the list."
	}
	switch f.Verified {
	case "":
	case "yes", "no":
		v := f.Verified == "yes"
		out.Verified = &v
	default:
		errs["verified"] = "Choose Verified or Not verified."
	}
	if f.Status != "" && !slices.Contains(models.CallbackStatuses, out.Status) {
		errs["status"] = "Choose a status from the list."
	}
	if len(f.Q) > 100 {
		errs["q"] = "Use at most 100 characters."
	}
	out.From, out.To = parseDateRange(f.From, f.To, errs)
	return out, errs
}

func (f callbackFilterForm) values() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"provider": f.Provider, "kind": f.Kind, "verified": f.Verified, "status": f.Status, "from": f.From, "to": f.To, "q": f.Q} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if f.Duplicate {
		v.Set("duplicate", "1")
	}
	return v
}

func (s *Server) callbackProviders() []string {
	var out []string
	for _, ep := range s.callbacks.Endpoints {
		if !slices.Contains(out, ep.Provider) {
			out = append(out, ep.Provider)
		}
	}
	return out
}

func (s *Server) callbackKinds() []string {
	var out []string
	for _, ep := range s.callbacks.Endpoints {
		out = append(out, ep.Kind)
	}
	return out
}

// showCallbackLog lists the callback log with filters, or streams it as CSV.
func (s *Server) showCallbackLog(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	form := readCallbackFilters(q.Get)
	filter, errs := s.callbackFilter(form)
	st := state(c)
	p := callbacks.ListProps{
		Provider: form.Provider, Kind: form.Kind, Verified: form.Verified, Status: form.Status, Duplicate: form.Duplicate,
		From: form.From, To: form.To, Q: form.Q, Errors: errs, CanReplay: st.user.Role == models.RoleAdmin, CSRF: st.csrf,
	}
	p.Providers = []components.Option{{Value: "", Label: "All providers"}}
	for _, pr := range s.callbackProviders() {
		p.Providers = append(p.Providers, components.Option{Value: pr, Label: pr})
	}
	p.Kinds = []components.Option{{Value: "", Label: "All types"}}
	for _, ep := range s.callbacks.Endpoints {
		p.Kinds = append(p.Kinds, components.Option{Value: ep.Kind, Label: ep.Label})
	}
	p.Statuses = []components.Option{{Value: "", Label: "Any"}}
	for _, cs := range models.CallbackStatuses {
		p.Statuses = append(p.Statuses, components.Option{Value: string(cs), Label: cs.Label()})
	}
	base := form.values()
	p.CSVURL = withQuery("/callback-log", base, "format", "csv")
	if len(errs) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, "Callback log", callbacks.List(p))
	}
	var err error
	if filter.Before, err = parseCursor(q.Get("before")); err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return s.exportCallbackLog(c, filter)
	}
	page, err := s.store.ListCallbacks(ctx, filter, store.PageSize)
	if err != nil {
		return err
	}
	p.Callbacks = page.Items
	if page.Next > 0 {
		p.NextURL = withQuery("/callback-log", base, "before", strconv.FormatInt(page.Next, 10))
	}
	if filter.Before > 0 {
		p.FirstURL = withQuery("/callback-log", base, "before", "")
	}
	counts, capped, err := s.store.CallbackStatusCounts(ctx, filter, countCap)
	if err != nil {
		return err
	}
	p.CountsCapped = capped
	for _, cs := range models.CallbackStatuses {
		label := strconv.FormatInt(counts[cs], 10)
		p.Counts = append(p.Counts, callbacks.StatusCount{Status: cs, Count: label, Active: form.Status == string(cs),
			URL: withQuery("/callback-log", base, "status", string(cs))})
	}
	for _, ep := range s.callbacks.Endpoints {
		n, err := s.store.CallbackCounter(ctx, "oversize:"+ep.Provider+"/"+ep.Kind)
		if err != nil {
			return err
		}
		p.Oversize += n
	}
	return s.render(c, http.StatusOK, "Callback log", callbacks.List(p))
}

func (s *Server) exportCallbackLog(c echo.Context, f store.CallbackFilter) error {
	ctx := c.Request().Context()
	f.Before = 0
	if err := s.store.Audit(ctx, s.auditEntry(c, "callback_log.export", "callback_log", "", "exported the callback log")); err != nil {
		return err
	}
	header := []string{"id", "received_wib", "received_utc", "provider", "type", "method", "path", "source_ip", "verified", "verification_reason",
		"duplicate_of", "references", "status", "attempts", "record_type", "record_id", "reply_status"}
	return s.streamCSV(c, "callback-log", header, func(write func(...string) error) error {
		return s.store.EachCallback(ctx, f, func(cb models.Callback) error {
			dup := ""
			if cb.DuplicateOf != nil {
				dup = strconv.FormatInt(*cb.DuplicateOf, 10)
			}
			return write(strconv.FormatInt(cb.ID, 10), wib.Format(cb.ReceivedAt), cb.ReceivedAt.UTC().Format(time.RFC3339Nano),
				cb.Provider, cb.Kind, cb.Method, cb.Path, cb.SourceIP, strconv.FormatBool(cb.Verified), cb.VerifyReason,
				dup, cb.Refs, string(cb.Status), strconv.Itoa(cb.Attempts), cb.RecordType, cb.RecordID, strconv.Itoa(cb.ReplyStatus))
		})
	})
}
