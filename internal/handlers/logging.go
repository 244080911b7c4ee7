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
