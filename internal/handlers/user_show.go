package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/pages/users"
)

// loadUser reads the :id parameter; a malformed or unknown id is a 404.
func (s *Server) loadUser(c echo.Context) (*models.User, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.ErrNotFound
	}
	u, err := s.store.UserByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, echo.ErrNotFound
	}
	return u, err
}

func (s *Server) showUser(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	return s.renderUser(c, http.StatusOK, users.DetailProps{User: *u, RoleValue: string(u.Role)})
}

func (s *Server) renderUser(c echo.Context, status int, p users.DetailProps) error {
	st := state(c)
	p.CSRF = st.csrf
	p.Self = st.user.ID == p.User.ID
	if p.RoleValue == "" {
		p.RoleValue = string(p.User.Role)
	}
	return s.render(c, status, p.User.Name, users.Detail(p))
}
