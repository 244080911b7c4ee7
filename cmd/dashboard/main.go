// Command dashboard is the merchant back-office: `dashboard serve` runs the
// web server; `dashboard user add` creates staff accounts; `dashboard
// migrate` only brings the database up to date. Every subcommand migrates
// the database first.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "dashboard:", err)
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  dashboard [serve] [--demo]          serve the dashboard (--demo seeds demo accounts into an empty database)
  dashboard migrate                   bring the database up to the current schema
  dashboard user add --email E --name N --role admin|finance|auditor --password-stdin
`

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve", "migrate", "user":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		// Before the data directory is opened: a typo changes nothing.
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
	app, err := openApp(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer app.close()
	switch cmd {
	case "serve":
		return app.serve(ctx, args, stdout)
	case "migrate":
		fmt.Fprintln(stdout, "database is at schema version", app.schemaVersion(ctx))
		return nil
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return usageError{"unknown user subcommand"}
		}
		return app.addUser(ctx, args[1:], stdin, stdout)
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
