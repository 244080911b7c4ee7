package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/auth"
	"backoffice/internal/i18n"
	"backoffice/internal/store"
	accountpages "backoffice/web/templates/pages/account"
)

func (s *Server) showAccount(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, accountpages.Props{})
}

func (s *Server) renderAccount(c echo.Context, status int, p accountpages.Props) error {
	st := state(c)
	u := st.user
	ctx := c.Request().Context()
	left, err := s.store.CountRecoveryCodes(ctx, u.ID)
	if err != nil {
		return err
	}
	p.Name, p.Email, p.Role, p.CSRF = u.Name, u.Email, i18n.T(ctx, u.Role.Key()), st.csrf
	p.HasSecondFactor, p.RecoveryLeft = u.HasSecondFactor(), left
	return s.render(c, status, i18n.T(ctx, "my_account.title"), accountpages.Page(p))
}

// changeOwnPassword needs the current password; the new one must pass
// every rule. Success ends every session of the person, this one included.
func (s *Server) changeOwnPassword(c echo.Context) error {
	u := state(c).user
	current, pw, confirm := c.FormValue("current_password"), c.FormValue("password"), c.FormValue("password_confirm")
	ctx := c.Request().Context()
	var p accountpages.Props
	if current == "" {
		p.CurrentErr = i18n.T(ctx, "my_account.enter_current")
	}
	if msg := auth.PasswordRulesText(ctx, pw, u.Email, u.Name); msg != "" {
		p.PasswordErr = msg
	} else if pw == current {
		p.PasswordErr = i18n.T(ctx, "my_account.password_same")
	}
	if p.PasswordErr == "" && confirm != pw {
		p.ConfirmErr = i18n.T(ctx, "my_account.password_mismatch")
	}
	if p.CurrentErr != "" || p.PasswordErr != "" || p.ConfirmErr != "" {
		return s.renderAccount(c, http.StatusUnprocessableEntity, p)
	}
	// The current password is a password guess like any other: throttled.
	attempt, wait, err := s.store.ReserveLoginAttempt(ctx, u.Email, c.RealIP(), s.now(), auth.ThrottleWait)
	if err != nil {
		return err
	}
	if wait > 0 {
		p.CurrentErr = i18n.T(ctx, "my_account.password_throttled", "Wait", waitWords(ctx, wait))
		return s.renderAccount(c, http.StatusTooManyRequests, p)
	}
	switch err := auth.CheckPassword(u.PasswordHash, current); {
	case errors.Is(err, auth.ErrBusy):
		if err := s.store.ForgetLoginAttempt(ctx, attempt); err != nil {
			return err
		}
		p.CurrentErr = i18n.T(ctx, msgBusy)
		return s.renderAccount(c, http.StatusTooManyRequests, p)
	case err != nil:
		e := s.auditEntry(c, "user.password_change_failed", "user", fmt.Sprint(u.ID), u.Email+": current password wrong")
		if err := s.store.Audit(ctx, e); err != nil {
			return err
		}
		p.CurrentErr = i18n.T(ctx, "my_account.current_wrong")
		return s.renderAccount(c, http.StatusUnprocessableEntity, p)
	}
	hash, err := auth.HashPassword(pw)
	if errors.Is(err, auth.ErrBusy) {
		p.PasswordErr = i18n.T(ctx, msgBusy)
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
	return s.redirect(c, "/login", "ok", i18n.T(ctx, "my_account.password_changed"))
}
