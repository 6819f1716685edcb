// Package db owns the PostgreSQL connection pool, the embedded goose
// migrations, the sqlc-generated queries (package sqlc) and transaction helpers.
package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Option adjusts a pool's configuration before it connects; options apply
// after Open's own defaults.
type Option func(*pgxpool.Config)

// MaxConns sets the pool's size.
func MaxConns(n int32) Option { return func(c *pgxpool.Config) { c.MaxConns = n } }

// poolerParams are the startup parameters PgBouncer passes through; it
// refuses a client that sends any other (unless listed in its
// ignore_startup_parameters), and a session setting would not follow the
// client from one server connection to the next anyway.
var poolerParams = map[string]bool{
	"application_name": true, "client_encoding": true, "datestyle": true,
	"timezone": true, "standard_conforming_strings": true,
}

// ThroughPooler fits the pool to PgBouncer in pool_mode=transaction: named
// prepared statements would not survive the switch of server connection
// between transactions, so statements run as the unnamed statement with
// cached descriptions (one round trip, invalidated on error), unless the
// URL chose a mode itself (default_query_exec_mode); and per-session
// startup settings are dropped.
func ThroughPooler(url string) Option {
	return func(c *pgxpool.Config) {
		if !strings.Contains(url, "default_query_exec_mode=") {
			c.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
		}
		c.ConnConfig.StatementCacheCapacity = 0
		for k := range c.ConnConfig.RuntimeParams {
			if !poolerParams[strings.ToLower(k)] {
				delete(c.ConnConfig.RuntimeParams, k)
			}
		}
	}
}

// Open connects a pool and checks the server answers.
func Open(ctx context.Context, url string, opts ...Option) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse database URL: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	cfg.HealthCheckPeriod = 15 * time.Second
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: connect: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping: %w", err)
	}
	return pool, nil
}

// Beginner is what InTx needs; *pgxpool.Pool and pgx.Tx satisfy it.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// InTx runs fn in a transaction, committing when it returns nil.
func InTx(ctx context.Context, b Beginner, fn func(tx pgx.Tx) error) error {
	tx, err := b.Begin(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// Constraint returns the name of the violated constraint when err is a
// PostgreSQL integrity error of the given SQLSTATE class ("23505" unique,
// "23514" check, "23503" foreign key), else "".
func Constraint(err error, code string) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == code {
		return pgErr.ConstraintName, true
	}
	return "", false
}

// IsUniqueViolation reports a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	_, ok := Constraint(err, "23505")
	return ok
}

// IsCheckViolation reports a check violation (including the owner triggers).
func IsCheckViolation(err error) bool {
	_, ok := Constraint(err, "23514")
	return ok
}

// IsNoRows reports an empty single-row result.
func IsNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
