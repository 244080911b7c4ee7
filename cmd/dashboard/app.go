package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"backoffice/internal/app"
	"backoffice/internal/config"
	"backoffice/internal/store"
)

// cli is the opened configuration and database shared by the subcommands.
type cli struct {
	app   *app.App
	store *store.Store
	log   *slog.Logger
}

func openApp(ctx context.Context, getenv func(string) string, stderr io.Writer) (*cli, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	// On PostgreSQL replicas share the database: keys come from the
	// environment, never generated per replica.
	if err := cfg.CheckSharedSecrets(); err != nil {
		return nil, err
	}
	log := newLogger(stderr, cfg.LogLevel)
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return &cli{app: a, store: a.Store, log: log}, nil
}

func (c *cli) close() {
	if err := c.app.Close(); err != nil {
		c.log.Error("close", "err", err.Error())
	}
}

func (c *cli) schemaVersion(ctx context.Context) int {
	v, _ := c.store.SchemaVersion(ctx)
	return v
}

// parseServe reads serve's flags, before any database is opened.
func parseServe(args []string) (demo bool, err error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	d := fs.Bool("demo", false, "seed demo accounts into an empty database and print their logins once")
	if err := fs.Parse(args); err != nil {
		return false, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return false, usageError{fmt.Sprintf("serve: unexpected argument %q", fs.Arg(0))}
	}
	return *d, nil
}

// serve runs until ctx ends (SIGTERM or SIGINT), then drains requests in
// flight; close() then stops the worker, commits queued callbacks and
// closes the database.
func (c *cli) serve(ctx context.Context, demo bool, stdout io.Writer) error {
	if demo {
		if err := seedDemo(ctx, c.store, stdout); err != nil {
			return err
		}
	}
	// Listen before the background jobs start: the built-in sandboxes live
	// on this address, and the first balance check would otherwise find no
	// one listening.
	cfg := c.app.Config
	var tlsConfig *tls.Config
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return fmt.Errorf("DASHBOARD_TLS_CERT_FILE / DASHBOARD_TLS_KEY_FILE: %w", err)
		}
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if err := c.app.Build(app.Options{}); err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{
		Handler:           c.app.Server.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      5 * time.Minute, // CSV exports stream for a while
		IdleTimeout:       2 * time.Minute,
		TLSConfig:         tlsConfig,
		ErrorLog:          slog.NewLogLogger(c.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- hs.ServeTLS(ln, "", "")
			return
		}
		errc <- hs.Serve(ln)
	}()
	c.log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL)
	fmt.Fprintf(stdout, "Dashboard running at %s (Ctrl-C to stop)\n", cfg.BaseURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	c.log.Info("shutting down: draining requests in flight")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	c.app.Server.LogCallbackSummary()
	c.log.Info("stopped cleanly")
	return nil
}
