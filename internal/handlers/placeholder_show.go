package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/web/templates/pages/placeholder"
)

// showNotAvailable renders the honest notice for a page not built yet.
func (s *Server) showNotAvailable(title, what string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.render(c, http.StatusOK, title, placeholder.NotAvailable(placeholder.Props{Title: title, What: what}))
	}
}
