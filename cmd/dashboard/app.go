package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"backoffice/internal/config"
	"backoffice/internal/db"
	"backoffice/internal/handlers"
	"backoffice/internal/store"
)

// app is the opened configuration and database shared by the subcommands.
type app struct {
	cfg   *config.Config
	db    *db.DB
	store *store.Store
	log   *slog.Logger
}

func openApp(ctx context.Context, getenv func(string) string, stderr io.Writer) (*app, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	if err := cfg.EnsureSecrets(); err != nil {
		return nil, err
	}
	log := newLogger(stderr, cfg.LogLevel)
	d, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	st := store.New(d)
	n, err := st.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("database migrated", "steps", n, "path", d.Path)
	}
	return &app{cfg: cfg, db: d, store: st, log: log}, nil
}

func (a *app) close() {
	if err := a.db.Close(); err != nil {
		a.log.Error("close database", "err", err.Error())
	}
}

func (a *app) schemaVersion(ctx context.Context) int {
	v, _ := a.store.SchemaVersion(ctx)
	return v
}

// serve runs until ctx ends (SIGTERM or SIGINT), then drains requests in
// flight before the database is closed.
func (a *app) serve(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "seed demo accounts into an empty database and print their logins once")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *demo {
		if err := seedDemo(ctx, a.store, stdout); err != nil {
			return err
		}
	}
	mounts, closeSandboxes, err := a.sandboxes()
	if err != nil {
		return err
	}
	defer closeSandboxes()
	srv, err := handlers.New(handlers.Deps{Config: a.cfg, Store: a.store, Logger: a.log, Mounts: mounts})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      5 * time.Minute, // CSV exports stream for a while
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	a.log.Info("serving", "addr", ln.Addr().String(), "base_url", a.cfg.BaseURL)
	fmt.Fprintf(stdout, "Dashboard running at %s (Ctrl-C to stop)\n", strings.TrimRight(a.cfg.BaseURL, "/"))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down: draining requests in flight")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	a.log.Info("stopped cleanly")
	return nil
}

// sandboxes builds the provider sandboxes for providers with no base URL.
// Filled in as the provider packages land.
func (a *app) sandboxes() ([]handlers.Mount, func(), error) {
	return nil, func() {}, nil
}
