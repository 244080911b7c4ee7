package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/layout"
)

const (
	cookieName = "backoffice_session"
	stateKey   = "backoffice.state"
	keyToken   = "tok"
	keyCSRF    = "csrf"
	keyFlashes = "flashes"
	keyLang    = "lang"
)

// reqState is what one request knows about its browser session.
type reqState struct {
	cookie  *sessions.Session
	dirty   bool
	csrf    string
	user    *models.User
	session *models.Session
	expired bool
	// pending is the user of a session that still owes a second factor:
	// signed in with a password only, so user stays nil.
	pending *models.User
	// lang is the language pages are shown in (setLang).
	lang i18n.Lang
}

func state(c echo.Context) *reqState {
	if st, ok := c.Get(stateKey).(*reqState); ok {
		return st
	}
	st := &reqState{}
	c.Set(stateKey, st)
	return st
}

func (st *reqState) addFlash(kind, text string) {
	if st.cookie == nil {
		return
	}
	fl, _ := st.cookie.Values[keyFlashes].([]string)
	st.cookie.Values[keyFlashes] = append(fl, kind+"\x00"+text)
	st.dirty = true
}

func (st *reqState) takeFlashes() []layout.Flash {
	if st.cookie == nil {
		return nil
	}
	fl, _ := st.cookie.Values[keyFlashes].([]string)
	if len(fl) == 0 {
		return nil
	}
	delete(st.cookie.Values, keyFlashes)
	st.dirty = true
	out := make([]layout.Flash, 0, len(fl))
	for _, f := range fl {
		kind, text, _ := cutNul(f)
		out = append(out, layout.Flash{Kind: kind, Text: text})
	}
	return out
}

func cutNul(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return s[:i], s[i+1:], true
		}
	}
	return "info", s, false
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS has no randomness; nothing safe can follow
	}
	return hex.EncodeToString(b)
}

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// loadSession reads the cookie, checks the server-side session against its
// idle and absolute limits and the user's state, and saves the cookie
// before the response is written when anything in it changed.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		st := state(c)
		r := c.Request()
		cookie, err := s.cookies.Get(r, cookieName)
		if err != nil {
			// Tampered, or signed with old keys: start afresh.
			cookie, _ = s.cookies.New(r, cookieName)
			st.dirty = true
		}
		st.cookie = cookie
		c.Response().Before(func() {
			if st.dirty {
				if err := st.cookie.Save(c.Request(), c.Response()); err != nil {
					s.log.Error("save session cookie", "request_id", requestID(c), "err", err.Error())
				}
			}
		})
		if tok, _ := cookie.Values[keyCSRF].(string); tok != "" {
			st.csrf = tok
		} else {
			st.csrf = randomToken()
			cookie.Values[keyCSRF] = st.csrf
			st.dirty = true
		}
		tok, _ := cookie.Values[keyToken].(string)
		if tok == "" {
			s.setLang(c)
			return next(c)
		}
		sess, user, err := s.store.SessionByTokenHash(r.Context(), tokenHash(tok))
		now := s.now().UTC()
		switch {
		case errors.Is(err, store.ErrNotFound):
			st.expired = true
		case err != nil:
			return err
		case now.After(sess.ExpiresAt), now.Sub(sess.LastSeenAt) > IdleTimeout, user.Disabled:
			st.expired = true
			if err := s.store.DeleteSession(r.Context(), sess.ID); err != nil {
				return err
			}
		default:
			st.session = sess
			if user.NeedsSecondFactor() && sess.SecondFactorAt == nil {
				st.pending = user
			} else {
				st.user = user
			}
			if now.Sub(sess.LastSeenAt) > touchEvery {
				if err := s.store.TouchSession(r.Context(), sess.ID, now); err != nil {
					return err
				}
			}
		}
		if st.expired {
			delete(cookie.Values, keyToken)
			st.dirty = true
		}
		s.setLang(c)
		return next(c)
	}
}

// setLang chooses the request's language: the person's own choice, else
// the one chosen in this browser before signing in, else Accept-Language.
func (s *Server) setLang(c echo.Context) {
	st := state(c)
	var l i18n.Lang
	ok := false
	if st.user != nil {
		l, ok = i18n.Parse(st.user.Lang)
	} else if st.pending != nil {
		l, ok = i18n.Parse(st.pending.Lang)
	}
	if !ok && st.cookie != nil {
		v, _ := st.cookie.Values[keyLang].(string)
		l, ok = i18n.Parse(v)
	}
	if !ok {
		l = i18n.Negotiate(c.Request().Header.Get("Accept-Language"))
	}
	st.lang = l
	c.SetRequest(c.Request().WithContext(i18n.With(c.Request().Context(), l)))
}

// startSession signs the user in on a fresh session: a new token and a new
// CSRF token, so nothing from before sign-in carries over.
func (s *Server) startSession(c echo.Context, u *models.User) error {
	st := state(c)
	if st.session != nil {
		_ = s.store.DeleteSession(c.Request().Context(), st.session.ID)
	}
	tok := randomToken()
	now := s.now().UTC()
	sess := &models.Session{
		TokenHash:  tokenHash(tok),
		UserID:     u.ID,
		IP:         c.RealIP(),
		UserAgent:  truncate(c.Request().UserAgent(), 200),
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(AbsoluteTimeout),
	}
	if err := s.store.CreateSession(c.Request().Context(), sess); err != nil {
		return err
	}
	fresh, _ := s.cookies.New(c.Request(), cookieName)
	fresh.Values[keyToken] = tok
	st.csrf = randomToken()
	fresh.Values[keyCSRF] = st.csrf
	st.cookie, st.dirty = fresh, true
	st.user, st.pending, st.session = u, nil, sess
	if u.NeedsSecondFactor() {
		st.user, st.pending = nil, u
	}
	return nil
}

// endSession signs out: the server-side session is deleted, so the cookie
// is worthless even if a copy of it survives.
func (s *Server) endSession(c echo.Context) error {
	st := state(c)
	if st.session != nil {
		if err := s.store.DeleteSession(c.Request().Context(), st.session.ID); err != nil {
			return err
		}
	}
	delete(st.cookie.Values, keyToken)
	st.csrf = randomToken()
	st.cookie.Values[keyCSRF] = st.csrf
	st.dirty = true
	st.user, st.pending, st.session = nil, nil, nil
	return nil
}

// requireRoles lets a request through only for a signed-in user whose role
// is allowed. Anyone else signed out is sent to sign in.
func (s *Server) requireRoles(allowed []models.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			st := state(c)
			if st.user == nil && st.pending != nil {
				if c.Path() == "/logout" {
					return next(c) // one may always walk away
				}
				to := secondFactorPath(st.pending)
				if c.Request().Method == http.MethodGet && c.Request().URL.Path != "/" {
					to += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
				}
				return c.Redirect(http.StatusSeeOther, to)
			}
			if st.user == nil {
				msg := "Please sign in to continue."
				if st.expired {
					msg = "Your session ended. Please sign in again."
				}
				st.addFlash("info", msg)
				to := "/login"
				if c.Request().Method == http.MethodGet && c.Request().URL.Path != "/" {
					to += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
				}
				return c.Redirect(http.StatusSeeOther, to)
			}
			if !slices.Contains(allowed, st.user.Role) {
				return echo.NewHTTPError(http.StatusForbidden)
			}
			return next(c)
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
