package harness

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RecreateDatabase drops the database name (disconnecting its sessions) and
// creates it empty, through the maintenance database at adminURL.
func RecreateDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("harness: connect %s: %w", redactURL(adminURL), err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("harness: drop database %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return fmt.Errorf("harness: create database %s: %w", name, err)
	}
	return nil
}

// DropDatabase removes the database name if it exists.
func DropDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("harness: connect %s: %w", redactURL(adminURL), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("harness: drop database %s: %w", name, err)
	}
	return nil
}

// redactURL hides a password in a connection URL.
func redactURL(s string) string {
	cfg, err := pgx.ParseConfig(s)
	if err != nil {
		return "(unparsable url)"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}
