package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/store"
)

// OwnChangesFor is how long after a browser's own change its pages read the
// primary rather than the read replica (DATABASE_READ_URL): the budget for
// replication lag. A streaming replica normally replays within a second; a
// replica further behind than this shows a user's list without their change
// for the rest of its lag.
const OwnChangesFor = 15 * time.Second

// ownChangesCookie carries, in Unix milliseconds, until when this browser
// reads the primary. A cookie, so every replica of the dashboard honours it.
// It is not sealed: forging it only makes one's own pages read the primary.
const ownChangesCookie = "backoffice_primary_until"

// clockSkew is how far ahead of this replica's clock another replica's
// deadline may be and still count.
const clockSkew = 5 * time.Second

// readFrom picks where the request's list pages read. A GET or HEAD may
// read the replica (store.FromReplica), unless the browser changed
// something within OwnChangesFor; anything else reads the primary
// (store.FromPrimary) and, when it succeeded (an answer below 400,
// redirects included) on a route with a session, starts that window.
// Without DATABASE_READ_URL no cookie is set: everything reads the primary.
func (s *Server) readFrom(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			ctx := store.WithListMemo(r.Context())
			if s.readsOwnChanges(r) {
				ctx = store.FromPrimary(ctx)
			} else {
				ctx = store.FromReplica(ctx)
			}
			c.SetRequest(r.WithContext(ctx))
			return next(c)
		}
		c.SetRequest(r.WithContext(store.FromPrimary(r.Context())))
		c.Response().Before(func() {
			// Only with a replica, and only browsers: routes with a session
			// (not callbacks or sandboxes).
			if _, ok := c.Get(stateKey).(*reqState); !ok || c.Response().Status >= http.StatusBadRequest || !s.store.HasReplica() {
				return
			}
			http.SetCookie(c.Response(), &http.Cookie{
				Name:     ownChangesCookie,
				Value:    strconv.FormatInt(s.now().Add(OwnChangesFor).UnixMilli(), 10),
				Path:     "/",
				MaxAge:   int(OwnChangesFor / time.Second),
				HttpOnly: true,
				Secure:   s.cfg.SecureCookies(),
				SameSite: http.SameSiteLaxMode,
			})
		})
		return next(c)
	}
}

// readsOwnChanges reports whether the browser changed something within
// OwnChangesFor, by the deadline in its cookie.
func (s *Server) readsOwnChanges(r *http.Request) bool {
	ck, err := r.Cookie(ownChangesCookie)
	if err != nil {
		return false
	}
	ms, err := strconv.ParseInt(ck.Value, 10, 64)
	if err != nil {
		return false
	}
	until, now := time.UnixMilli(ms), s.now()
	return now.Before(until) && !until.After(now.Add(OwnChangesFor+clockSkew))
}
