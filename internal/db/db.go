// Package db owns the PostgreSQL connection pool, the embedded goose
// migrations, the sqlc-generated queries (package sqlc) and transaction helpers.
package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultIdleInTxTimeout is DATABASE_IDLE_IN_TX_TIMEOUT's default.
const DefaultIdleInTxTimeout = 30 * time.Second

// Options tune the sessions of a pool.
type Options struct {
	// IdleInTxTimeout is the server-side idle_in_transaction_session_timeout
	// of every pooled session: a transaction left idle this long is ended by
	// PostgreSQL, so a stuck request cannot keep a connection (and its locks)
	// for good. 0 leaves the server's setting alone.
	IdleInTxTimeout time.Duration
}

// Option adjusts Options.
type Option func(*Options)

// WithIdleInTxTimeout sets Options.IdleInTxTimeout (0: the server's setting).
func WithIdleInTxTimeout(d time.Duration) Option { return func(o *Options) { o.IdleInTxTimeout = d } }

// sessionParams are the settings sent in the startup packet of every pooled
// connection. This is the one place that sets them: a pooler that refuses
// unknown startup parameters (PgBouncer without ignore_startup_parameters)
// needs them off (DATABASE_IDLE_IN_TX_TIMEOUT=0) or set on its server side.
func sessionParams(o Options) map[string]string {
	p := map[string]string{}
	if o.IdleInTxTimeout > 0 {
		p["idle_in_transaction_session_timeout"] = strconv.FormatInt(max(o.IdleInTxTimeout.Milliseconds(), 1), 10)
	}
	return p
}

// Open connects a pool and checks the server answers. Without options the
// sessions get DefaultIdleInTxTimeout.
func Open(ctx context.Context, url string, opts ...Option) (*pgxpool.Pool, error) {
	o := Options{IdleInTxTimeout: DefaultIdleInTxTimeout}
	for _, fn := range opts {
		fn(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse DATABASE_URL: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	for k, v := range sessionParams(o) {
		if _, set := cfg.ConnConfig.RuntimeParams[k]; !set { // the URL's own value wins
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	cfg.HealthCheckPeriod = 15 * time.Second
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
