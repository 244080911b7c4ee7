// Package handlers serves the dashboard's pages. routes.go lists every
// route with the roles allowed to use it; each action lives in its own
// noun_verb.go file and reads load → parse → validate → store → redirect.
package handlers

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"backoffice/internal/checkout"
	"backoffice/internal/config"
	"backoffice/internal/disbursements"
	"backoffice/internal/diskspace"
	"backoffice/internal/i18n"
	"backoffice/internal/intake"
	"backoffice/internal/models"
	"backoffice/internal/ovo"
	"backoffice/internal/store"
	"backoffice/internal/topups"
	vasvc "backoffice/internal/va"
	"backoffice/web/static"
	"backoffice/web/templates/layout"
	errpages "backoffice/web/templates/pages/errors"
)

// Session lifetimes.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	// touchEvery limits how often activity is written to the database.
	touchEvery = time.Minute
	// formBodyLimit bounds every request that is not a callback or upload.
	formBodyLimit = "1M"
)

// Deps is what the server needs from the outside.
type Deps struct {
	Config *config.Config
	Store  *store.Store
	Logger *slog.Logger
	// Mounts are extra handlers served under a prefix, such as the provider
	// sandboxes at /sandbox/oy. They bypass sessions and CSRF.
	Mounts []Mount
	// Disbursements is the OY transfer workflow.
	Disbursements *disbursements.Service
	// Topups is the Ayopop OVO top-up workflow; nil shows its pages as not available.
	Topups *topups.Service
	// OVO is the linked OVO accounts workflow (Faspay and DOKU); nil
	// leaves its pages answering 503.
	OVO *ovo.Service
	// Checkout is the OY payment link and invoice workflow.
	Checkout *checkout.Service
	// Callbacks receives provider callbacks and feeds the callback log.
	Callbacks *Callbacks
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Disk watches free space in the data directory; nil never reports low.
	Disk *diskspace.Monitor
	// VA is the OY virtual account workflow; nil leaves its pages unavailable.
	VA *vasvc.Service
}

// Mount serves an http.Handler under a path prefix.
type Mount struct {
	Prefix  string // e.g. "/sandbox/oy"
	Handler http.Handler
}

// Server holds everything the handlers share.
type Server struct {
	cfg       *config.Config
	store     *store.Store
	log       *slog.Logger
	cookies   *sessions.CookieStore
	now       func() time.Time
	mounts    []Mount
	callbacks *Callbacks
	disb      *disbursements.Service
	ovo       *ovo.Service
	checkout  *checkout.Service
	echo      *echo.Echo
	handler   *callbackPaths
	table     []route
	disk      *diskspace.Monitor
	topups    *topups.Service
	refused   *intake.RefusedBudget // how much of refused callbacks is stored
	va        *vasvc.Service
}

// New builds the server and registers every route.
func New(d Deps) (*Server, error) {
	if d.Config == nil || d.Store == nil || d.Callbacks == nil || d.Disbursements == nil || d.Checkout == nil {
		return nil, errors.New("handlers: config, store, callbacks, disbursements and checkout are required")
	}
	if len(d.Config.SessionHashKey) == 0 || len(d.Config.SessionBlockKey) == 0 {
		return nil, errors.New("handlers: session keys are missing")
	}
	s := &Server{cfg: d.Config, store: d.Store, log: d.Logger, now: d.Now, mounts: d.Mounts, callbacks: d.Callbacks, disb: d.Disbursements, disk: d.Disk,
		topups: d.Topups, refused: intake.NewRefusedBudget(), ovo: d.OVO, checkout: d.Checkout, va: d.VA}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.cookies = sessions.NewCookieStore(d.Config.SessionHashKey, d.Config.SessionBlockKey)
	s.cookies.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(AbsoluteTimeout.Seconds()),
		HttpOnly: true,
		Secure:   d.Config.SecureCookies(),
		SameSite: http.SameSiteLaxMode,
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// The peer address, or X-Forwarded-For only as far as it was written by
	// DASHBOARD_TRUSTED_PROXIES: allow-lists, sign-in throttling and audit
	// IPs must not trust a header anyone can send. The callback URLs, served
	// ahead of the router, use this same extractor.
	e.IPExtractor = clientIP(d.Config.TrustedProxies)
	e.Use(assignRequestID)
	e.Use(s.logRequests)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "request_id", requestID(c), "err", err.Error(), "stack", string(stack))
			return err
		},
	}))
	e.Use(s.secureHeaders)
	e.Use(s.readFrom)
	s.echo = e
	s.table = s.routes()
	s.register()
	s.handler = newCallbackPaths(s, e)
	return s, nil
}

// Handler is the whole dashboard as an http.Handler: the callback URLs
// directly, everything else through the router.
func (s *Server) Handler() http.Handler { return s.handler }

// Echo exposes the router, for tests that walk the registered routes.
func (s *Server) Echo() *echo.Echo { return s.echo }

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error { return s.echo.Shutdown(ctx) }

// LogCallbackSummary logs the callbacks answered since the last summary
// (once the server has stopped, so the last minute is not lost).
func (s *Server) LogCallbackSummary() {
	st, now := &s.handler.stats, s.now().UnixNano()
	st.flush(s.log, time.Duration(now-st.last.Swap(now)))
}

func (s *Server) secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	hsts := s.cfg.HSTS()
	return func(c echo.Context) error {
		c.Response().Writer = &noCachedCookies{ResponseWriter: c.Response().Writer}
		h := c.Response().Header()
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
		return next(c)
	}
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// staticHandler serves the embedded files, and nothing else: a directory
// is a 404, never a listing.
func staticHandler() echo.HandlerFunc {
	files := http.FileServer(http.FS(static.FS))
	return func(c echo.Context) error {
		name := path.Clean(c.Param("*"))
		if st, err := fs.Stat(static.FS, name); err != nil || st.IsDir() || strings.HasSuffix(c.Param("*"), "/") {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		r := c.Request()
		r.URL.Path = "/" + name
		files.ServeHTTP(c.Response(), r)
		return nil
	}
}

// noCachedCookies makes sure no cache keeps a Set-Cookie: a response that
// sets one is marked no-store unless it is already private. It looks at the
// headers as they are finally written, after the session is saved.
type noCachedCookies struct {
	http.ResponseWriter
	checked bool
}

func (w *noCachedCookies) WriteHeader(code int) {
	if !w.checked {
		w.checked = true
		h := w.Header()
		if len(h.Values("Set-Cookie")) > 0 {
			cc := strings.ToLower(h.Get("Cache-Control"))
			if !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private") {
				h.Set("Cache-Control", "no-store")
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *noCachedCookies) Write(b []byte) (int, error) {
	if !w.checked {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush on the real writer.
func (w *noCachedCookies) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// clientIP is the address a request comes from. Behind proxies listed in
// DASHBOARD_TRUSTED_PROXIES it walks X-Forwarded-For from the right, past
// each trusted hop, to the first address that no trusted proxy vouches for;
// from any other peer the header is ignored.
func clientIP(trusted []netip.Prefix) echo.IPExtractor {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer := peerAddr(r.RemoteAddr)
		if len(trusted) == 0 || !peer.IsValid() || !isTrusted(peer) {
			return addrString(peer, r.RemoteAddr)
		}
		hops := strings.Split(strings.Join(r.Header.Values(echo.HeaderXForwardedFor), ","), ",")
		client := peer
		for i := len(hops) - 1; i >= 0; i-- {
			h := strings.TrimSpace(hops[i])
			if h == "" {
				continue
			}
			a, err := netip.ParseAddr(strings.Trim(h, "[]"))
			if err != nil {
				break // unreadable: the last trusted hop is all we know
			}
			client = a.Unmap()
			if !isTrusted(client) {
				break
			}
		}
		return client.String()
	}
}

func peerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(remote)
	return a.Unmap()
}

func addrString(a netip.Addr, remote string) string {
	if a.IsValid() {
		return a.String()
	}
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

// render writes a page inside the layout with the given status.
func (s *Server) render(c echo.Context, status int, title string, page templ.Component) error {
	props := s.layoutProps(c, title)
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().WriteHeader(status)
	ctx := templ.WithChildren(c.Request().Context(), page)
	return layout.Page(props).Render(ctx, c.Response())
}

func (s *Server) layoutProps(c echo.Context, title string) layout.Props {
	st := state(c)
	ctx := c.Request().Context()
	p := layout.Props{Title: title, CSRF: st.csrf, Flashes: st.takeFlashes(), Lang: i18n.From(ctx), Return: "/"}
	if c.Request().Method == http.MethodGet {
		p.Return = c.Request().URL.RequestURI()
	}
	if st.user != nil {
		p.SignedIn = true
		p.UserName = st.user.Name
		p.UserRole = i18n.T(ctx, "role."+string(st.user.Role))
		p.Nav = s.navFor(ctx, st.user.Role, c.Path())
		if ds := s.disk.Status(); ds.Low {
			p.DiskLow = i18n.T(ctx, "layout.disk_low", "Free", diskspace.Human(ds.Free), "Floor", diskspace.Human(ds.Floor))
		}
		if st.user.Role == models.RoleAdmin {
			// Four eyes need two admins; with one, staff and threshold changes wait for ever (docs/security.md).
			if n, err := s.store.CountActiveAdmins(ctx); err == nil && n < 2 {
				p.SingleAdmin = i18n.T(ctx, "layout.single_admin")
			}
		}
	}
	return p
}

// redirect answers 303 See Other after a successful change, with a flash.
func (s *Server) redirect(c echo.Context, to string, flashKind, flash string) error {
	if flash != "" {
		state(c).addFlash(flashKind, flash)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// audit records a change made by the signed-in user.
func (s *Server) auditEntry(c echo.Context, action, objectType, objectID, summary string) *models.AuditEntry {
	e := &models.AuditEntry{
		At:         s.now().UTC(),
		Action:     action,
		ObjectType: objectType,
		ObjectID:   objectID,
		Summary:    summary,
		IP:         c.RealIP(),
		RequestID:  requestID(c),
	}
	if u := state(c).user; u != nil {
		id := u.ID
		e.ActorID = &id
		e.ActorEmail = u.Email
	}
	return e
}

// handleError renders every error in the layout. The person sees a
// sentence and a reference; the details go to the log only.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		s.log.Error("error after response started", "request_id", requestID(c), "err", err.Error())
		return
	}
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
	}
	if st := state(c); st.lang == "" {
		// No session was read (an unknown address): the browser's language.
		st.lang = i18n.Negotiate(c.Request().Header.Get("Accept-Language"))
		c.SetRequest(c.Request().WithContext(i18n.With(c.Request().Context(), st.lang)))
	}
	ctx := c.Request().Context()
	p := errpages.Props{Status: status, RequestID: requestID(c)}
	page := func(key string) {
		p.Title, p.Message = i18n.T(ctx, "errors."+key+"_title"), i18n.T(ctx, "errors."+key+"_text")
	}
	switch status {
	case http.StatusNotFound:
		page("not_found")
	case http.StatusMethodNotAllowed:
		page("method")
	case http.StatusForbidden:
		page("forbidden")
		if msg, ok := he.Message.(string); ok && he.Internal == nil && msg != "" && msg != http.StatusText(status) {
			p.Message = msg
			if i18n.Has(i18n.EN, msg) {
				p.Message = i18n.T(ctx, msg)
			}
		}
	case http.StatusRequestEntityTooLarge:
		page("too_large")
	case http.StatusBadRequest:
		page("bad_request")
	case http.StatusServiceUnavailable:
		page("unavailable")
	default:
		if status >= 500 {
			status = http.StatusInternalServerError
			p.Status = status
			page("internal")
			s.log.Error("request failed", "request_id", requestID(c), "method", c.Request().Method, "route", c.Path(), "err", err.Error())
		} else {
			p.Title, p.Message = http.StatusText(status), i18n.T(ctx, "errors.other_text")
		}
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if rerr := s.render(c, status, p.Title, errpages.Page(p)); rerr != nil {
		s.log.Error("render error page", "request_id", requestID(c), "err", rerr.Error())
	}
}
