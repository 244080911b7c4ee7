package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
	"backoffice/web/templates/pages/users"
)

// loadUser reads the :id parameter; a malformed or unknown id is a 404.
func (s *Server) loadUser(c echo.Context) (*models.User, error) {
	return loadByID(c, s.store.UserByID)
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
	n, err := s.store.CountLoginAttempts(c.Request().Context(), p.User.Email, s.now())
	if err != nil {
		return err
	}
	p.FailedSignIns = n
	pending, err := s.store.PendingChanges(c.Request().Context(), staffSubject(&p.User))
	if err != nil {
		return err
	}
	for _, r := range pending {
		if r.UserID != nil && *r.UserID == p.User.ID { // "staff:1" is also the start of "staff:12"
			p.Pending = append(p.Pending, r)
		}
	}
	return s.render(c, status, p.User.Name, users.Detail(p))
}
