package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/auth"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/pages/users"
)

// staffSubject names a person in change requests, one pending request per
// kind and person.
func staffSubject(u *models.User) string { return fmt.Sprintf("staff:%d", u.ID) }

// askForChange records a four-eyes request about u and sends the admin back
// to u's page; fail shows a sentence beside the form when the same change
// is already waiting.
func (s *Server) askForChange(c echo.Context, u *models.User, r *models.ChangeRequest, fail func(string) error) error {
	r.UserID, r.Subject = &u.ID, staffSubject(u)
	err := s.requestChange(c, r)
	ctx := c.Request().Context()
	if errors.Is(err, store.ErrDuplicate) {
		return fail(i18n.T(ctx, "staff_page.change_already_waiting", "Name", u.Name))
	}
	if err != nil {
		return err
	}
	// The summary is the request's record, kept in the words it was written in.
	return s.redirect(c, userPath(u), "ok", i18n.T(ctx, "staff_page.change_asked", "Summary", r.Summary))
}

func (s *Server) changeUserRole(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	role := models.Role(c.FormValue("role"))
	ctx := c.Request().Context()
	fail := func(msg string) error {
		return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, RoleValue: string(role), RoleError: msg})
	}
	if !role.Valid() {
		return fail(i18n.T(ctx, "staff_page.choose_role_error"))
	}
	if role == u.Role {
		return s.redirect(c, userPath(u), "info", i18n.T(ctx, "staff_page.role_unchanged", "Role", i18n.T(ctx, role.Key())))
	}
	if state(c).user.ID == u.ID {
		return fail(i18n.T(ctx, "staff_page.own_role"))
	}
	if role != models.RoleAdmin && u.Role == models.RoleAdmin && !u.Disabled {
		// Said now so nobody waits for an approval that must fail; the store checks again when it applies.
		if n, err := s.store.CountActiveAdmins(ctx); err != nil {
			return err
		} else if !models.KeepsAnAdmin(u, n-1) {
			return fail(i18n.T(ctx, "staff_page.last_admin_role"))
		}
	}
	return s.askForChange(c, u, &models.ChangeRequest{Kind: models.ChangeUserRole, Role: role, Before: string(u.Role),
		Summary: fmt.Sprintf("%s <%s>: role %s → %s; sessions ended", u.Name, u.Email, u.Role.Label(), role.Label())}, fail)
}

func (s *Server) resetUserPassword(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	fail := func(msg string) error {
		return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, PasswordErr: msg})
	}
	ctx := c.Request().Context()
	if state(c).user.ID == u.ID {
		return fail(i18n.T(ctx, "staff_page.own_password"))
	}
	pw := c.FormValue("password")
	if msg := auth.PasswordRulesText(ctx, pw, u.Email, u.Name); msg != "" {
		return fail(msg)
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	return s.askForChange(c, u, &models.ChangeRequest{Kind: models.ChangeUserPassword, PasswordHash: hash,
		Summary: u.Name + " <" + u.Email + ">: password reset; sessions ended; failed sign-ins cleared"}, fail)
}

// disableUser takes effect at once: taking access away needs no second
// admin, but never the last active admin's (checked inside the write).
func (s *Server) disableUser(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	fail := func(msg string) error {
		return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, StatusError: msg})
	}
	ctx := c.Request().Context()
	if u.Disabled {
		return s.redirect(c, userPath(u), "info", i18n.T(ctx, "staff_page.nothing_changed"))
	}
	if state(c).user.ID == u.ID {
		return fail(i18n.T(ctx, "staff_page.own_disable"))
	}
	disable := true
	err = s.store.UpdateUser(ctx, u.ID, store.UserChange{Disabled: &disable},
		s.auditEntry(c, "user.disable", "user", fmt.Sprint(u.ID), u.Email+": active → disabled; sessions ended"))
	if errors.Is(err, store.ErrLastAdmin) {
		return fail(i18n.T(ctx, "staff_page.last_admin_disable"))
	}
	if err != nil {
		return err
	}
	return s.redirect(c, userPath(u), "ok", i18n.T(ctx, "staff_page.disabled_flash", "Name", u.Name))
}

// enableUser gives access back, so a second admin must approve it.
func (s *Server) enableUser(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	if !u.Disabled {
		return s.redirect(c, userPath(u), "info", i18n.T(c.Request().Context(), "staff_page.nothing_changed"))
	}
	fail := func(msg string) error {
		return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, StatusError: msg})
	}
	return s.askForChange(c, u, &models.ChangeRequest{Kind: models.ChangeUserEnable,
		Summary: u.Name + " <" + u.Email + ">: disabled → active"}, fail)
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
	return s.redirect(c, userPath(u), "ok", i18n.T(ctx, "staff_page.unlocked", "Name", u.Name))
}

// resetUserSecondFactor asks to remove another person's authenticator app;
// never one's own, and only when a second admin approves.
func (s *Server) resetUserSecondFactor(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	fail := func(msg string) error {
		return s.renderUser(c, http.StatusUnprocessableEntity, users.DetailProps{User: *u, SecurityError: msg})
	}
	ctx := c.Request().Context()
	if state(c).user.ID == u.ID {
		return fail(i18n.T(ctx, "staff_page.own_2fa"))
	}
	if !u.HasSecondFactor() {
		return s.redirect(c, userPath(u), "info", i18n.T(ctx, "staff_page.no_2fa", "Name", u.Name))
	}
	return s.askForChange(c, u, &models.ChangeRequest{Kind: models.ChangeUserSecondFactor,
		Summary: u.Name + " <" + u.Email + ">: second factor and recovery codes removed; sessions ended"}, fail)
}
