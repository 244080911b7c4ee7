package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"backoffice/internal/auth"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/pages/users"
)

// newUserForm is the create-user form, decoded field by field.
type newUserForm struct {
	Name, Email, Role, Password string
}

func readNewUserForm(c echo.Context) newUserForm {
	return newUserForm{
		Name:     strings.TrimSpace(c.FormValue("name")),
		Email:    strings.TrimSpace(c.FormValue("email")),
		Role:     c.FormValue("role"),
		Password: c.FormValue("password"),
	}
}

// Validate returns an error sentence per field, in the request's language.
func (f newUserForm) Validate(ctx context.Context) map[string]string {
	errs := map[string]string{}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		errs["name"] = i18n.T(ctx, "staff_page.enter_name")
	case n > 100:
		errs["name"] = i18n.T(ctx, "staff_page.too_long", "Max", 100)
	}
	if msg := validateEmail(ctx, f.Email); msg != "" {
		errs["email"] = msg
	}
	if !models.Role(f.Role).Valid() {
		errs["role"] = i18n.T(ctx, "staff_page.choose_role_error")
	}
	if msg := auth.PasswordRulesText(ctx, f.Password, f.Email, f.Name); msg != "" {
		errs["password"] = msg
	}
	return errs
}

// ValidateEmail returns a sentence when s is not a plain email address.
func validateEmail(ctx context.Context, s string) string {
	if s == "" {
		return i18n.T(ctx, "staff_page.enter_email")
	}
	if len(s) > 254 {
		return i18n.T(ctx, "staff_page.too_long", "Max", 254)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return i18n.T(ctx, "staff_page.email_bad")
	}
	return ""
}

func (s *Server) showUserNew(c echo.Context) error {
	return s.render(c, http.StatusOK, i18n.T(c.Request().Context(), "staff_page.add"), users.New(users.NewForm{CSRF: state(c).csrf}))
}

func (s *Server) createUser(c echo.Context) error {
	f := readNewUserForm(c)
	ctx := c.Request().Context()
	again := func(errs map[string]string) error {
		return s.render(c, http.StatusUnprocessableEntity, i18n.T(ctx, "staff_page.add"),
			users.New(users.NewForm{Name: f.Name, Email: f.Email, Role: f.Role, Errors: errs, CSRF: state(c).csrf}))
	}
	if errs := f.Validate(ctx); len(errs) > 0 {
		return again(errs)
	}
	if _, err := s.store.UserByEmail(ctx, f.Email); err == nil {
		return again(map[string]string{"email": i18n.T(ctx, "staff_page.email_taken")})
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash, err := auth.HashPassword(f.Password)
	if err != nil {
		return err
	}
	role := models.Role(f.Role)
	if models.NeedsFourEyes(role) {
		// Someone who can approve money is added only when a second admin agrees.
		r := &models.ChangeRequest{Kind: models.ChangeUserCreate, Subject: "staff:new:" + strings.ToLower(f.Email),
			Summary: fmt.Sprintf("Add %s <%s> as %s", f.Name, f.Email, role.Label()), Name: f.Name, Email: f.Email, Role: role, PasswordHash: hash}
		err := s.requestChange(c, r)
		if errors.Is(err, store.ErrDuplicate) {
			return again(map[string]string{"email": i18n.T(ctx, "staff_page.add_already_waiting")})
		}
		if err != nil {
			return err
		}
		return s.redirect(c, "/users", "ok", i18n.T(ctx, "staff_page.add_asked", "Name", f.Name, "Role", i18n.T(ctx, role.Key())))
	}
	u := &models.User{Name: f.Name, Email: f.Email, Role: role, PasswordHash: hash}
	entry := s.auditEntry(c, "user.create", "user", "", fmt.Sprintf("added %s <%s> as %s", f.Name, f.Email, u.Role.Label()))
	err = s.store.CreateUserAudited(ctx, u, entry)
	if errors.Is(err, store.ErrDuplicate) {
		return again(map[string]string{"email": i18n.T(ctx, "staff_page.email_taken")})
	}
	if err != nil {
		return err
	}
	return s.redirect(c, "/users", "ok", i18n.T(ctx, "staff_page.added_flash", "Name", u.Name, "Role", i18n.T(ctx, u.Role.Key())))
}
