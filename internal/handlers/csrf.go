package handlers

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// checkCSRF refuses a state-changing request that does not carry this
// browser's token, and any request a browser marks as cross-site.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" || !s.sameOrigin(r) {
			return echo.NewHTTPError(http.StatusForbidden, "errors.csrf_origin")
		}
		sent := r.Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = r.FormValue("_csrf")
		}
		want := state(c).csrf
		if sent == "" || want == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
			return echo.NewHTTPError(http.StatusForbidden, "errors.csrf_token")
		}
		return next(c)
	}
}

// sameOrigin accepts a request without an Origin header (older browsers,
// scripts) and one whose Origin is this host or the configured base URL.
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if u.Host == r.Host {
		return true
	}
	base, err := url.Parse(s.cfg.BaseURL)
	return err == nil && u.Host == base.Host && u.Scheme == base.Scheme
}
