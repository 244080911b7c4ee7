package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"strings"

	"backoffice/internal/auth"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

// userFlags are the arguments of a user subcommand, read (with the
// password, from standard input so it never appears in the process list)
// before the database is opened.
type userFlags struct {
	email, name string
	role        models.Role
	password    string
}

func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func parseAddUser(args []string, stdin io.Reader) (userFlags, error) {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "email address (the login)")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "", "admin, finance or auditor")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := fs.Parse(args); err != nil {
		return userFlags{}, usageError{err.Error()}
	}
	if *email == "" || *name == "" || *role == "" || !*pwStdin {
		return userFlags{}, usageError{"user add needs --email, --name, --role and --password-stdin"}
	}
	if !models.Role(*role).Valid() {
		return userFlags{}, usageError{fmt.Sprintf("role %q: use admin, finance or auditor", *role)}
	}
	f := userFlags{email: strings.TrimSpace(*email), name: strings.TrimSpace(*name), role: models.Role(*role)}
	var err error
	if f.password, err = readPassword(stdin); err != nil {
		return userFlags{}, err
	}
	if msg := auth.CheckPasswordRules(f.password, f.email, f.name); msg != "" {
		return userFlags{}, fmt.Errorf("password refused: %s", msg)
	}
	return f, nil
}

// addUser creates a staff account from the command line.
func (a *cli) addUser(ctx context.Context, f userFlags, stdout io.Writer) error {
	hash, err := auth.HashPassword(f.password)
	if err != nil {
		return err
	}
	u := &models.User{Email: f.email, Name: f.name, Role: f.role, PasswordHash: hash}
	entry := &models.AuditEntry{Action: "user.create", ObjectType: "user", Summary: fmt.Sprintf("added %s <%s> as %s from the command line", u.Name, u.Email, u.Role.Label())}
	if err := a.store.CreateUserAudited(ctx, u, entry); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("a user with email %s already exists", u.Email)
		}
		return err
	}
	fmt.Fprintf(stdout, "created %s <%s> as %s (id %d)\n", u.Name, u.Email, u.Role, u.ID)
	return nil
}

func parseResetPassword(args []string, stdin io.Reader) (userFlags, error) {
	fs := flag.NewFlagSet("user reset-password", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "email address of the user")
	pwStdin := fs.Bool("password-stdin", false, "read the new password from standard input")
	if err := fs.Parse(args); err != nil {
		return userFlags{}, usageError{err.Error()}
	}
	if strings.TrimSpace(*email) == "" || !*pwStdin {
		return userFlags{}, usageError{"user reset-password needs --email and --password-stdin"}
	}
	f := userFlags{email: strings.TrimSpace(*email)}
	var err error
	if f.password, err = readPassword(stdin); err != nil {
		return userFlags{}, err
	}
	if msg := auth.CheckPasswordRules(f.password, f.email, ""); msg != "" {
		return userFlags{}, fmt.Errorf("password refused: %s", msg)
	}
	return f, nil
}

// resetPassword sets a new password for a user who lost theirs: the
// password rules apply (with the user's name too), the user's failed
// sign-ins are cleared and every session of theirs ends; it is audited.
func (a *cli) resetPassword(ctx context.Context, f userFlags, stdout io.Writer) error {
	u, err := a.store.UserByEmail(ctx, f.email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user has the email %s", f.email)
	}
	if err != nil {
		return err
	}
	if msg := auth.CheckPasswordRules(f.password, u.Email, u.Name); msg != "" {
		return fmt.Errorf("password refused: %s", msg)
	}
	hash, err := auth.HashPassword(f.password)
	if err != nil {
		return err
	}
	entry := &models.AuditEntry{Action: "user.reset_password",
		Summary: fmt.Sprintf("reset the password of %s <%s> from the command line; failed sign-ins cleared, sessions ended", u.Name, u.Email)}
	if _, err := a.store.ResetPassword(ctx, u.Email, hash, entry); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password reset for %s <%s>; failed sign-ins cleared and sessions ended\n", u.Name, u.Email)
	return nil
}

// seedDemo creates one account per role, and a second admin, in an empty database and prints
// their logins once; on any later start it does nothing.
func seedDemo(ctx context.Context, st *store.Store, stdout io.Writer) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	fmt.Fprintln(stdout, "Demo accounts (shown once; change them at /users):")
	type demo struct {
		email, name string
		role        models.Role
	}
	var accounts []demo
	for _, r := range models.Roles {
		accounts = append(accounts, demo{string(r) + "@example.com", "Demo " + r.Label(), r})
	}
	// A second admin, so the demo can show four eyes: one admin asks, the other approves.
	accounts = append(accounts, demo{"admin2@example.com", "Demo Second Admin", models.RoleAdmin})
	for _, a := range accounts {
		r := a.role
		pw := randomPassword()
		hash, err := auth.HashPassword(pw)
		if err != nil {
			return err
		}
		u := &models.User{Email: a.email, Name: a.name, Role: r, PasswordHash: hash}
		entry := &models.AuditEntry{Action: "user.create", ObjectType: "user", Summary: "demo account " + u.Email + " seeded by make run"}
		if err := st.CreateUserAudited(ctx, u, entry); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  %-8s %-22s %s\n", r, u.Email, pw)
	}
	return nil
}

func randomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}
