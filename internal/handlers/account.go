package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/auth"
	"backoffice/internal/store"
	accountpages "backoffice/web/templates/pages/account"
)

func (s *Server) showAccount(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, accountpages.Props{})
}

func (s *Server) renderAccount(c echo.Context, status int, p accountpages.Props) error {
	st := state(c)
	u := st.user
	left, err := s.store.CountRecoveryCodes(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	p.Name, p.Email, p.Role, p.CSRF = u.Name, u.Email, u.Role.Label(), st.csrf
	p.HasSecondFactor, p.RecoveryLeft = u.HasSecondFactor(), left
	return s.render(c, status, "Your account", accountpages.Page(p))
}

// changeOwnPassword needs the current password; the new one must pass
// every rule. Success ends every session of the person, this one included.
func (s *Server) changeOwnPassword(c echo.Context) error {
	u := state(c).user
	current, pw, confirm := c.FormValue("current_password"), c.FormValue("password"), c.FormValue("password_confirm")
	var p accountpages.Props
	if current == "" {
		p.CurrentErr = "Enter your current password."
	}
	if msg := auth.CheckPasswordRules(pw, u.Email, u.Name); msg != "" {
		p.PasswordErr = msg
	} else if pw == current {
		p.PasswordErr = "The new password must differ from the current one."
	}
	if p.PasswordErr == "" && confirm != pw {
		p.ConfirmErr = "The two new passwords are not the same."
	}
	if p.CurrentErr != "" || p.PasswordErr != "" || p.ConfirmErr != "" {
		return s.renderAccount(c, http.StatusUnprocessableEntity, p)
	}
	ctx := c.Request().Context()
	// The current password is a password guess like any other: throttled.
	attempt, wait, err := s.store.ReserveLoginAttempt(ctx, u.Email, c.RealIP(), s.now(), auth.ThrottleWait)
	if err != nil {
		return err
	}
	if wait > 0 {
		p.CurrentErr = "Too many wrong passwords. Wait " + waitWords(wait) + " and try again."
		return s.renderAccount(c, http.StatusTooManyRequests, p)
	}
	switch err := auth.CheckPassword(u.PasswordHash, current); {
	case errors.Is(err, auth.ErrBusy):
		if err := s.store.ForgetLoginAttempt(ctx, attempt); err != nil {
			return err
		}
		p.CurrentErr = msgBusy
		return s.renderAccount(c, http.StatusTooManyRequests, p)
	case err != nil:
		e := s.auditEntry(c, "user.password_change_failed", "user", fmt.Sprint(u.ID), u.Email+": current password wrong")
		if err := s.store.Audit(ctx, e); err != nil {
			return err
		}
		p.CurrentErr = "That is not your current password."
		return s.renderAccount(c, http.StatusUnprocessableEntity, p)
	}
	hash, err := auth.HashPassword(pw)
	if errors.Is(err, auth.ErrBusy) {
		p.PasswordErr = msgBusy
		return s.renderAccount(c, http.StatusTooManyRequests, p)
	} else if err != nil {
		return err
	}
	entry := s.auditEntry(c, "user.password_change", "user", fmt.Sprint(u.ID), u.Email+": changed own password; sessions ended")
	if err := s.store.UpdateUser(ctx, u.ID, store.UserChange{PasswordHash: &hash}, entry); err != nil {
		return err
	}
	if err := s.store.ClearLoginAttempts(ctx, u.Email); err != nil {
		return err
	}
	if err := s.endSession(c); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.redirect(c, "/login", "ok", "Your password was changed. Sign in with the new one.")
}
