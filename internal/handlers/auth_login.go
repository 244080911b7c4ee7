package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/auth"
	"backoffice/internal/store"
	authpages "backoffice/web/templates/pages/auth"
)

// Sign-in throttling: failures counted over the window, per email and per IP.
const (
	throttleWindow   = 15 * time.Minute
	maxFailsPerEmail = 5
	maxFailsPerIP    = 20
)

const msgBadLogin = "The email or password is not right."

func (s *Server) showLogin(c echo.Context) error {
	if state(c).user != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return s.render(c, http.StatusOK, "Sign in", authpages.Login(authpages.LoginProps{CSRF: state(c).csrf, Next: safeNext(c.QueryParam("next"))}))
}

// login checks the password, throttles guessing, and starts a new session.
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
	byEmail, byIP, err := s.store.CountLoginFailures(ctx, email, ip, s.now().Add(-throttleWindow))
	if err != nil {
		return err
	}
	if byEmail >= maxFailsPerEmail || byIP >= maxFailsPerIP {
		e := s.auditEntry(c, "login.throttled", "user", "", "sign-in refused: too many failed attempts")
		e.ActorEmail = email
		if err := s.store.Audit(ctx, e); err != nil {
			return err
		}
		return again(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins. Wait %d minutes and try again, or ask an admin to reset your password.", int(throttleWindow.Minutes())))
	}
	fail := func(reason string) error {
		e := s.auditEntry(c, "login.failed", "user", "", "sign-in failed: "+reason)
		e.ActorEmail = email
		if err := s.store.Audit(ctx, e); err != nil {
			return err
		}
		return again(http.StatusUnauthorized, msgBadLogin)
	}
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		auth.BurnTime(password)
		return fail("unknown email")
	}
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(u.PasswordHash, password); err != nil {
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
	if err := s.startSession(c, u); err != nil {
		return err
	}
	if err := s.store.Audit(ctx, s.auditEntry(c, "login.ok", "user", fmt.Sprint(u.ID), "signed in")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c echo.Context) error {
	u := state(c).user
	entry := s.auditEntry(c, "logout", "user", fmt.Sprint(u.ID), "signed out")
	if err := s.endSession(c); err != nil {
		return err
	}
	if err := s.store.Audit(c.Request().Context(), entry); err != nil {
		return err
	}
	return s.redirect(c, "/login", "ok", "You are signed out.")
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}
