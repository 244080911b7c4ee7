package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/auth"
	"backoffice/internal/models"
	"backoffice/internal/store"
	authpages "backoffice/web/templates/pages/auth"
)

const (
	msgBadLogin = "The email or password is not right."
	msgBusy     = "The dashboard is checking many sign-ins right now. Wait a few seconds and try again."
)

func (s *Server) showLogin(c echo.Context) error {
	if state(c).user != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return s.render(c, http.StatusOK, "Sign in", authpages.Login(authpages.LoginProps{CSRF: state(c).csrf, Next: safeNext(c.QueryParam("next"))}))
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
		return s.render(c, status, "Sign in", authpages.Login(authpages.LoginProps{Email: truncate(email, 254), Error: msg, CSRF: state(c).csrf, Next: next}))
	}
	switch {
	case email == "" || password == "":
		return again(http.StatusUnprocessableEntity, "Enter your email and password.")
	case len(email) > 254:
		return again(http.StatusUnprocessableEntity, "That email is longer than any account's email (254 characters at most).")
	case len(password) > 4*auth.MaxPasswordLength:
		return again(http.StatusUnprocessableEntity, msgBadLogin)
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
		return again(http.StatusTooManyRequests, "Too many failed sign-ins. Wait "+waitWords(wait)+" and try again, or ask an admin to clear your failed sign-ins.")
	}
	fail := func(reason string) error {
		e := s.auditEntry(c, "login.failed", "user", "", "sign-in failed: "+reason)
		e.ActorEmail = email
		if err := s.store.Audit(ctx, e); err != nil {
			return err
		}
		return again(http.StatusUnauthorized, msgBadLogin)
	}
	busy := func() error {
		// Never checked, so it does not count against anyone.
		if err := s.store.ForgetLoginAttempt(ctx, attempt); err != nil {
			return err
		}
		c.Response().Header().Set("Retry-After", "5")
		return again(http.StatusTooManyRequests, msgBusy)
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
		return again(http.StatusForbidden, "This account is disabled. Ask an admin to enable it.")
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

// waitWords says a throttle wait the way a person reads it.
func waitWords(d time.Duration) string {
	if d >= 90*time.Second {
		return fmt.Sprintf("%d minutes", int((d+time.Minute-1)/time.Minute))
	}
	return fmt.Sprintf("%d seconds", int((d+time.Second-1)/time.Second))
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
	return s.redirect(c, "/login", "ok", "You are signed out.")
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
