// Command dashboard is the merchant back-office: `dashboard serve` runs the
// web server; `dashboard user add` creates staff accounts; `dashboard
// user reset-password` sets a lost password anew; `dashboard migrate` only
// brings the database up to date; `dashboard migrate-to-postgres` copies a
// SQLite database into an empty PostgreSQL one. Every subcommand migrates the database
// first, once its arguments are known to be right; `dashboard help` opens
// no database.
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
  dashboard migrate-to-postgres [--from FILE] [--to postgres://…]
                                      copy the SQLite database (--from, else DATABASE_URL or
                                      $DASHBOARD_DATA_DIR/dashboard.db) into an empty PostgreSQL
                                      database (--to, else DATABASE_URL), checking every table's rows;
                                      refuses a target that holds any row
  dashboard user add --email E --name N --role admin|finance|auditor --password-stdin
  dashboard user reset-password --email E --password-stdin
                                      set a new password for a lost one, clear the user's failed
                                      sign-ins and end the user's sessions
  dashboard help                      this text (opens no database)
`

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// wantsHelp: -h or --help anywhere asks for the usage, not for the work.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" || wantsHelp(args) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	// Everything that can be refused is refused before the data directory
	// is opened: a typo or a missing flag creates and changes nothing.
	var work func(*cli) error
	switch cmd {
	case "serve":
		demo, err := parseServe(args)
		if err != nil {
			return err
		}
		work = func(c *cli) error { return c.serve(ctx, demo, stdout) }
	case "migrate":
		if len(args) > 0 {
			return usageError{"migrate takes no arguments"}
		}
		work = func(c *cli) error {
			fmt.Fprintln(stdout, "database is at schema version", c.schemaVersion(ctx))
			return nil
		}
	case "migrate-to-postgres":
		f, err := parseMigrateToPostgres(args, getenv)
		if err != nil {
			return err
		}
		// Opens its two databases itself: not the data directory's.
		return migrateToPostgres(ctx, f, stdout)
	case "user":
		sub := ""
		if len(args) > 0 {
			sub, args = args[0], args[1:]
		}
		switch sub {
		case "add":
			f, err := parseAddUser(args, stdin)
			if err != nil {
				return err
			}
			work = func(c *cli) error { return c.addUser(ctx, f, stdout) }
		case "reset-password":
			f, err := parseResetPassword(args, stdin)
			if err != nil {
				return err
			}
			work = func(c *cli) error { return c.resetPassword(ctx, f, stdout) }
		default:
			return usageError{fmt.Sprintf("unknown user subcommand %q: use user add or user reset-password", sub)}
		}
	default:
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
	app, err := openApp(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer app.close()
	return work(app)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
