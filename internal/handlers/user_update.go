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
	if msg := auth.CheckPasswordRules(pw, u.Email, u.Name); msg != "" {
		return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, PasswordErr: msg})
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	entry := s.auditEntry(c, "user.password_reset", "user", fmt.Sprint(u.ID), u.Email+": password reset; sessions ended; failed sign-ins cleared")
	if err := s.store.UpdateUser(c.Request().Context(), u.ID, store.UserChange{PasswordHash: &hash}, entry); err != nil {
		return err
	}
	// The message promises a fresh start: the lockout goes with the old password.
	if err := s.store.ClearLoginAttempts(c.Request().Context(), u.Email); err != nil {
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

// unlockUser clears the failed sign-ins counted against an account, from
// every address, including its second-factor code failures.
func (s *Server) unlockUser(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.store.ClearLoginAttempts(ctx, u.Email, "otp:"+fmt.Sprint(u.ID)); err != nil {
		return err
	}
	if err := s.store.Audit(ctx, s.auditEntry(c, "user.unlock", "user", fmt.Sprint(u.ID), u.Email+": failed sign-ins cleared")); err != nil {
		return err
	}
	return s.redirect(c, userPath(u), "ok", "Failed sign-ins of "+u.Name+" were cleared; they can sign in again.")
}

// resetUserSecondFactor removes another person's authenticator app; only
// another admin may do it, never the person themselves.
func (s *Server) resetUserSecondFactor(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	if state(c).user.ID == u.ID {
		return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, SecurityError: "You cannot reset your own second factor. Ask another admin."})
	}
	if !u.HasSecondFactor() {
		return s.redirect(c, userPath(u), "info", u.Name+" has no second factor set up; nothing changed.")
	}
	ctx := c.Request().Context()
	entry := s.auditEntry(c, "user.2fa_reset", "user", fmt.Sprint(u.ID), u.Email+": second factor and recovery codes removed; sessions ended")
	if err := s.store.ResetSecondFactor(ctx, u.ID, entry); err != nil {
		return err
	}
	if err := s.store.ClearLoginAttempts(ctx, "otp:"+fmt.Sprint(u.ID)); err != nil {
		return err
	}
	return s.redirect(c, userPath(u), "ok", "The second factor of "+u.Name+" was reset; they set up a new app at their next sign-in.")
}
