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

// addUser creates a staff account from the command line, reading the
// password from standard input so it never appears in the process list.
func (a *cli) addUser(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	email := fs.String("email", "", "email address (the login)")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "", "admin, finance or auditor")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *email == "" || *name == "" || *role == "" || !*pwStdin {
		return usageError{"user add needs --email, --name, --role and --password-stdin"}
	}
	if !models.Role(*role).Valid() {
		return usageError{fmt.Sprintf("role %q: use admin, finance or auditor", *role)}
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if msg := auth.CheckPasswordRules(pw, *email, *name); msg != "" {
		return fmt.Errorf("password refused: %s", msg)
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	u := &models.User{Email: strings.TrimSpace(*email), Name: strings.TrimSpace(*name), Role: models.Role(*role), PasswordHash: hash}
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
