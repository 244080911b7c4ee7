package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/auth"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	authpages "backoffice/web/templates/pages/auth"
)

// Catalogue keys of the sign-in answers shared by several forms.
const (
	msgBadLogin = "auth.bad_login"
	msgBusy     = "auth.busy"
)

func (s *Server) showLogin(c echo.Context) error {
	if state(c).user != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return s.render(c, http.StatusOK, i18n.T(c.Request().Context(), "auth.sign_in"), authpages.Login(authpages.LoginProps{CSRF: state(c).csrf, Next: safeNext(c.QueryParam("next"))}))
}

// login checks the password and starts a session. Each attempt is counted
// before its password is checked, so parallel guesses share one budget
// (auth.ThrottleWait); hashing itself runs a few at a time (auth.ErrBusy).
func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	again := func(status int, msg string) error {
		return s.render(c, status, i18n.T(ctx, "auth.sign_in"), authpages.Login(authpages.LoginProps{Email: truncate(email, 254), Error: msg, CSRF: state(c).csrf, Next: next}))
	}
	switch {
	case email == "" || password == "":
		return again(http.StatusUnprocessableEntity, i18n.T(ctx, "auth.enter_email_password"))
	case len(email) > 254:
		return again(http.StatusUnprocessableEntity, i18n.T(ctx, "auth.email_too_long", "Max", 254))
	case len(password) > 4*auth.MaxPasswordLength:
		return again(http.StatusUnprocessableEntity, i18n.T(ctx, msgBadLogin))
	}
	ip := c.RealIP()
	attempt, wait, err := s.store.ReserveLoginAttempt(ctx, email, ip, s.now(), auth.ThrottleWait)
	if err != nil {
		return err
	}
	if wait > 0 {
		e := s.auditEntry(c, "login.throttled", "user", "", "sign-in refused: too many failed attempts")
		e.ActorEmail = email
		if err := s.store.Audit(ctx, e); err != nil {
			return err
		}
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		return again(http.StatusTooManyRequests, i18n.T(ctx, "auth.throttled", "Wait", waitWords(ctx, wait)))
	}
	fail := func(reason string) error {
		e := s.auditEntry(c, "login.failed", "user", "", "sign-in failed: "+reason)
		e.ActorEmail = email
		if err := s.store.Audit(ctx, e); err != nil {
			return err
		}
		return again(http.StatusUnauthorized, i18n.T(ctx, msgBadLogin))
	}
	busy := func() error {
		// Never checked, so it does not count against anyone.
		if err := s.store.ForgetLoginAttempt(ctx, attempt); err != nil {
			return err
		}
		c.Response().Header().Set("Retry-After", "5")
		return again(http.StatusTooManyRequests, i18n.T(ctx, msgBusy))
	}
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		if errors.Is(auth.BurnTime(password), auth.ErrBusy) {
			return busy()
		}
		return fail("unknown email")
	}
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(u.PasswordHash, password); errors.Is(err, auth.ErrBusy) {
		return busy()
	} else if err != nil {
		return fail("wrong password")
	}
	if u.Disabled {
		// Said only to someone who knows the password.
		e := s.auditEntry(c, "login.failed", "user", fmt.Sprint(u.ID), "sign-in refused: account disabled")
		e.ActorEmail = u.Email
		if err := s.store.Audit(ctx, e); err != nil {
			return err
		}
		return again(http.StatusForbidden, i18n.T(ctx, "auth.disabled"))
	}
	// A success is not a failure; earlier failures stay counted for their
	// window, so guesses racing a success gain nothing from it.
	if err := s.store.ForgetLoginAttempt(ctx, attempt); err != nil {
		return err
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	if u.NeedsSecondFactor() {
		// The session is owed a code: only the code or enrolment pages open.
		return c.Redirect(http.StatusSeeOther, secondFactorPath(u)+"?next="+url.QueryEscape(next))
	}
	if err := s.store.Audit(ctx, s.auditEntry(c, "login.ok", "user", fmt.Sprint(u.ID), "signed in")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// waitWords says a throttle wait the way a person reads it, in the
// request's language.
func waitWords(ctx context.Context, d time.Duration) string {
	if d >= 90*time.Second {
		return i18n.T(ctx, "auth.wait_minutes", "Count", int((d+time.Minute-1)/time.Minute))
	}
	return i18n.T(ctx, "auth.wait_seconds", "Count", int((d+time.Second-1)/time.Second))
}

func (s *Server) logout(c echo.Context) error {
	u := state(c).user
	if u == nil {
		u = state(c).pending
	}
	entry := s.auditEntry(c, "logout", "user", fmt.Sprint(u.ID), "signed out")
	entry.ActorEmail = u.Email
	if err := s.endSession(c); err != nil {
		return err
	}
	if err := s.store.Audit(c.Request().Context(), entry); err != nil {
		return err
	}
	return s.redirect(c, "/login", "ok", i18n.T(c.Request().Context(), "auth.signed_out"))
}

// safeNext keeps a post-login redirect on this site: only a path (with its
// query) on this host. Control characters, which browsers strip before
// resolving ("/\t/evil.example" becomes "//evil.example"), and backslashes,
// which they read as slashes, refuse the whole value.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || strings.ContainsRune(next, '\\') {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.HasPrefix(next, "//") {
		return "/"
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

// secondFactorPath is where a session that owes a code goes: the code page,
// or enrolment for someone who has no app yet.
func secondFactorPath(u *models.User) string {
	if u.HasSecondFactor() {
		return "/login/otp"
	}
	return "/account/two-factor"
}
