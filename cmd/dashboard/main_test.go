package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, dir string, stdin string, args ...string) (string, error) {
	t.Helper()
	env := map[string]string{"DASHBOARD_DATA_DIR": dir}
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

func TestUserAddFromTheCommandLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	out, err := runCLI(t, dir, "a long enough password\n", "user", "add", "--email", "ops@example.co.id", "--name", "Ops Admin", "--role", "admin", "--password-stdin")
	if err != nil || !strings.Contains(out, "created Ops Admin <ops@example.co.id> as admin") {
		t.Fatalf("user add: %q %v", out, err)
	}
	if _, err := runCLI(t, dir, "a long enough password\n", "user", "add", "--email", "OPS@example.co.id", "--name", "Again", "--role", "admin", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate email: %v", err)
	}
	for name, args := range map[string][]string{
		"short password": {"user", "add", "--email", "a@example.com", "--name", "A", "--role", "finance", "--password-stdin"},
		"bad role":       {"user", "add", "--email", "b@example.com", "--name", "B", "--role", "root", "--password-stdin"},
		"no stdin flag":  {"user", "add", "--email", "c@example.com", "--name", "C", "--role", "finance"},
	} {
		stdin := "short\n"
		if name != "short password" {
			stdin = "a long enough password\n"
		}
		if _, err := runCLI(t, dir, stdin, args...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Migrating an up-to-date database is a no-op and reports the version.
	out, err = runCLI(t, dir, "", "migrate")
	if err != nil || !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: %q %v", out, err)
	}
}

func TestUnknownCommand(t *testing.T) {
	_, err := runCLI(t, t.TempDir(), "", "frobnicate")
	if _, ok := err.(usageError); !ok {
		t.Fatalf("err = %v, want a usage error", err)
	}
}
