package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers while the process is alive.
func (s *Server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// readyz answers 200 only when the database answers on both pools and the
// data disk is above its floor; a 503 says which. A read replica that does
// not answer is reported but keeps the dashboard ready: its list pages
// read the primary meanwhile.
func (s *Server) readyz(c echo.Context) error {
	if ds := s.disk.Status(); ds.Low {
		s.log.Warn("not ready", "reason", ds.Reason())
		return c.String(http.StatusServiceUnavailable, ds.Reason()+"\n")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err.Error())
		return c.String(http.StatusServiceUnavailable, "database unavailable\n")
	}
	if err := s.store.PingReplica(ctx); err != nil {
		s.log.Warn("read replica unavailable: list pages read the primary", "err", err.Error())
		return c.String(http.StatusOK, "ready\nread replica: unavailable, list pages read the primary\n")
	}
	return c.String(http.StatusOK, "ready\n")
}
