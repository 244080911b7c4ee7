package handlers

import (
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/redact"
)

// logRequests writes one structured line per request. It logs the route,
// the redacted query and who asked; never bodies, cookies or headers.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		r := c.Request()
		attrs := []any{
			"request_id", requestID(c),
			"method", r.Method,
			"path", r.URL.Path,
			"status", c.Response().Status,
			"duration_ms", time.Since(start).Milliseconds(),
			"ip", c.RealIP(),
		}
		if q := redact.RawQuery(r.URL.RawQuery); q != "" {
			attrs = append(attrs, "query", q)
		}
		if st, ok := c.Get(stateKey).(*reqState); ok && st.user != nil {
			attrs = append(attrs, "user_id", st.user.ID)
		}
		s.log.Info("request", attrs...)
		return nil
	}
}

// maxRequestIDLength bounds a client's X-Request-Id: it is written into
// every log line and audit row of the request.
const maxRequestIDLength = 64

// assignRequestID keeps a client's X-Request-Id only when it is short and
// made of [A-Za-z0-9._-]; anything else is replaced by our own.
func assignRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !validRequestID(id) {
			id = randomToken()[:32]
		}
		c.Request().Header.Set(echo.HeaderXRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}
