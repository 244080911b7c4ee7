package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Helpers for the tools around the dashboard (the benches): the dashboard
// itself never creates its database.

// OpenSQL opens a plain database/sql pool on a PostgreSQL URL.
func OpenSQL(raw string) (*sql.DB, error) {
	cc, err := pgx.ParseConfig(raw)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*cc), nil
}

// EnsureDatabase makes the PostgreSQL database dbURL names when it is
// missing, with the byte-order collation the dashboard requires, through
// the server's postgres database. It returns the database's name.
func EnsureDatabase(ctx context.Context, dbURL string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return "", errors.New("the URL names no database (postgres://user@host:5432/NAME)")
	}
	server := *u
	server.Path = "/postgres"
	sdb, err := OpenSQL(server.String())
	if err != nil {
		return "", err
	}
	defer sdb.Close()
	var n int
	err = sdb.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n)
	if err == nil && n == 0 {
		_, err = sdb.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
	}
	if err != nil {
		return "", fmt.Errorf("make database %s: %w", name, err)
	}
	return name, nil
}

// RedactURL hides the password of a database URL for messages and logs.
func RedactURL(dsn string) string { return redactURL(dsn) }
