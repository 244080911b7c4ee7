package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/web/templates/pages/users"
)

func (s *Server) showUsers(c echo.Context) error {
	list, err := s.store.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	pending, err := s.store.PendingChanges(c.Request().Context(), "staff:")
	if err != nil {
		return err
	}
	st := state(c)
	return s.render(c, http.StatusOK, i18n.T(c.Request().Context(), "staff_page.title"), users.List(users.ListProps{Users: list, Pending: pending, CanEdit: st.user.Role == models.RoleAdmin, CSRF: st.csrf}))
}
