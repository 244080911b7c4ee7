package handlers

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/handlers/listkit"
)

// listExported records a list export in the audit log with its format
// and filters, before the file is sent: who took what is worth knowing.
func (s *Server) listExported(action, objectType, summary string) func(echo.Context, string, *listkit.Form) error {
	return func(c echo.Context, format string, f *listkit.Form) error {
		return s.store.Audit(c.Request().Context(), s.auditEntry(c, action, objectType, "", summary+" as "+format+" ("+f.Summary()+")"))
	}
}

// exportFailed logs an export that stopped after its headers were sent;
// the file ends short.
func (s *Server) exportFailed(c echo.Context, err error) {
	if listkit.ClientGone(c, err) {
		s.log.Info("export stopped: the client went away", "request_id", requestID(c), "err", err.Error())
		return
	}
	s.log.Error("export stopped", "request_id", requestID(c), "err", err.Error())
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
