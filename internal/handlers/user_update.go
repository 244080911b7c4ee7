package handlers

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/auth"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/pages/users"
)

// keepsAnAdmin refuses a change that would leave nobody able to manage staff.
func (s *Server) keepsAnAdmin(ctx context.Context, u *models.User) (bool, error) {
	if u.Role != models.RoleAdmin || u.Disabled {
		return true, nil
	}
	n, err := s.store.CountActiveAdmins(ctx)
	return n > 1, err
}

func (s *Server) changeUserRole(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	role := models.Role(c.FormValue("role"))
	fail := func(msg string) error {
		return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, RoleValue: string(role), RoleError: msg})
	}
	if !role.Valid() {
		return fail("Choose Admin, Finance or Auditor.")
	}
	if role == u.Role {
		return s.redirect(c, userPath(u), "info", "The role was already "+role.Label()+"; nothing changed.")
	}
	if state(c).user.ID == u.ID {
		return fail("You cannot change your own role. Ask another admin.")
	}
	if ok, err := s.keepsAnAdmin(c.Request().Context(), u); err != nil {
		return err
	} else if !ok {
		return fail("This is the last active admin. Make someone else an admin first.")
	}
	entry := s.auditEntry(c, "user.role", "user", fmt.Sprint(u.ID), fmt.Sprintf("%s: role %s → %s; sessions ended", u.Email, u.Role.Label(), role.Label()))
	if err := s.store.UpdateUser(c.Request().Context(), u.ID, store.UserChange{Role: &role}, entry); err != nil {
		return err
	}
	return s.redirect(c, userPath(u), "ok", fmt.Sprintf("%s is now %s.", u.Name, role.Label()))
}

func (s *Server) resetUserPassword(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	pw := c.FormValue("password")
	if msg := auth.CheckPasswordRules(pw); msg != "" {
		return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, PasswordErr: msg})
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	entry := s.auditEntry(c, "user.password_reset", "user", fmt.Sprint(u.ID), u.Email+": password reset; sessions ended")
	if err := s.store.UpdateUser(c.Request().Context(), u.ID, store.UserChange{PasswordHash: &hash}, entry); err != nil {
		return err
	}
	if state(c).user.ID == u.ID {
		// The admin's own session just ended with the reset.
		return s.redirect(c, "/login", "ok", "Your password was changed. Sign in with the new one.")
	}
	return s.redirect(c, userPath(u), "ok", "The password of "+u.Name+" was reset and they were signed out everywhere.")
}

func (s *Server) disableUser(c echo.Context) error { return s.setUserDisabled(c, true) }
func (s *Server) enableUser(c echo.Context) error  { return s.setUserDisabled(c, false) }

func (s *Server) setUserDisabled(c echo.Context, disable bool) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	if u.Disabled == disable {
		return s.redirect(c, userPath(u), "info", "Nothing changed.")
	}
	if disable {
		if state(c).user.ID == u.ID {
			return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, StatusError: "You cannot disable your own account."})
		}
		if ok, err := s.keepsAnAdmin(c.Request().Context(), u); err != nil {
			return err
		} else if !ok {
			return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, StatusError: "This is the last active admin and cannot be disabled."})
		}
	}
	action, summary, flash := "user.enable", u.Email+": disabled → active", u.Name+" can sign in again."
	if disable {
		action, summary, flash = "user.disable", u.Email+": active → disabled; sessions ended", u.Name+" was disabled and signed out everywhere."
	}
	if err := s.store.UpdateUser(c.Request().Context(), u.ID, store.UserChange{Disabled: &disable}, s.auditEntry(c, action, "user", fmt.Sprint(u.ID), summary)); err != nil {
		return err
	}
	return s.redirect(c, userPath(u), "ok", flash)
}

func userPath(u *models.User) string { return fmt.Sprintf("/users/%d", u.ID) }
