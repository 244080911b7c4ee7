package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"backoffice/internal/auth"
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

// Validate returns an error sentence per field.
func (f newUserForm) Validate() map[string]string {
	errs := map[string]string{}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		errs["name"] = "Enter the person's name."
	case n > 100:
		errs["name"] = "Use at most 100 characters."
	}
	if msg := validateEmail(f.Email); msg != "" {
		errs["email"] = msg
	}
	if !models.Role(f.Role).Valid() {
		errs["role"] = "Choose Admin, Finance or Auditor."
	}
	if msg := auth.CheckPasswordRules(f.Password, f.Email, f.Name); msg != "" {
		errs["password"] = msg
	}
	return errs
}

// ValidateEmail returns a sentence when s is not a plain email address.
func validateEmail(s string) string {
	if s == "" {
		return "Enter an email address."
	}
	if len(s) > 254 {
		return "Use at most 254 characters."
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "Enter an address like name@company.co.id."
	}
	return ""
}

func (s *Server) showUserNew(c echo.Context) error {
	return s.render(c, http.StatusOK, "Add staff member", users.New(users.NewForm{CSRF: state(c).csrf}))
}

func (s *Server) createUser(c echo.Context) error {
	f := readNewUserForm(c)
	again := func(errs map[string]string) error {
		return s.render(c, http.StatusUnprocessableEntity, "Add staff member",
			users.New(users.NewForm{Name: f.Name, Email: f.Email, Role: f.Role, Errors: errs, CSRF: state(c).csrf}))
	}
	if errs := f.Validate(); len(errs) > 0 {
		return again(errs)
	}
	ctx := c.Request().Context()
	if _, err := s.store.UserByEmail(ctx, f.Email); err == nil {
		return again(map[string]string{"email": "A staff member with this email already exists."})
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
			return again(map[string]string{"email": "Adding this person is already waiting for a second admin."})
		}
		if err != nil {
			return err
		}
		return s.redirect(c, "/users", "ok", fmt.Sprintf("Adding %s as %s now waits for a different admin to approve it.", f.Name, role.Label()))
	}
	u := &models.User{Name: f.Name, Email: f.Email, Role: role, PasswordHash: hash}
	entry := s.auditEntry(c, "user.create", "user", "", fmt.Sprintf("added %s <%s> as %s", f.Name, f.Email, u.Role.Label()))
	err = s.store.CreateUserAudited(ctx, u, entry)
	if errors.Is(err, store.ErrDuplicate) {
		return again(map[string]string{"email": "A staff member with this email already exists."})
	}
	if err != nil {
		return err
	}
	return s.redirect(c, "/users", "ok", fmt.Sprintf("%s was added as %s.", u.Name, u.Role.Label()))
}
