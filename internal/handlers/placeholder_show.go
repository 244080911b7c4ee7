package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/web/templates/pages/placeholder"
)

// showNotAvailable renders the honest notice for a page not built yet.
// title and what are catalogue keys, translated for the reader; a text
// that is not a key is shown as it is.
func (s *Server) showNotAvailable(title, what string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		title, what := i18n.Maybe(ctx, title), i18n.Maybe(ctx, what)
		return s.render(c, http.StatusOK, title, placeholder.NotAvailable(placeholder.Props{Title: title, What: what}))
	}
}
