// Package db owns the PostgreSQL connection pool, the embedded goose
// migrations, the sqlc-generated queries (package sqlc) and transaction helpers.
package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultIdleInTxTimeout is DATABASE_IDLE_IN_TX_TIMEOUT's default.
const DefaultIdleInTxTimeout = 30 * time.Second

// idleInTxParam is the one session setting Open sends in the startup packet
// of every pooled connection: a transaction left idle this long is ended by
// PostgreSQL, so a stuck request cannot keep a connection (and its locks)
// for good.
const idleInTxParam = "idle_in_transaction_session_timeout"

// options are what Open's Options set; they apply after Open's defaults.
type options struct {
	idleInTx  time.Duration
	maxConns  int32
	pooler    bool
	poolerURL string
	tracer    pgx.QueryTracer
}

// Option adjusts how Open configures a pool.
type Option func(*options)

// MaxConns sets the pool's size.
func MaxConns(n int32) Option { return func(o *options) { o.maxConns = n } }

// WithIdleInTxTimeout sets idle_in_transaction_session_timeout of every
// pooled session (0: the server's setting). A value in the URL wins.
func WithIdleInTxTimeout(d time.Duration) Option { return func(o *options) { o.idleInTx = d } }

// WithTracer traces every statement of the pool (tests count them).
func WithTracer(t pgx.QueryTracer) Option { return func(o *options) { o.tracer = t } }

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
// startup settings, idle_in_transaction_session_timeout included, are
// dropped (set them on the role instead).
func ThroughPooler(url string) Option {
	return func(o *options) { o.pooler, o.poolerURL = true, url }
}

// Open connects a pool and checks the server answers. Without options the
// sessions get DefaultIdleInTxTimeout.
func Open(ctx context.Context, url string, opts ...Option) (*pgxpool.Pool, error) {
	o := options{idleInTx: DefaultIdleInTxTimeout}
	for _, fn := range opts {
		fn(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse database URL: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	if o.maxConns > 0 {
		cfg.MaxConns = o.maxConns
	}
	if _, set := cfg.ConnConfig.RuntimeParams[idleInTxParam]; !set && o.idleInTx > 0 { // the URL's own value wins
		cfg.ConnConfig.RuntimeParams[idleInTxParam] = strconv.FormatInt(max(o.idleInTx.Milliseconds(), 1), 10)
	}
	if o.pooler {
		if !strings.Contains(o.poolerURL, "default_query_exec_mode=") {
			cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
		}
		cfg.ConnConfig.StatementCacheCapacity = 0
		for k := range cfg.ConnConfig.RuntimeParams {
			if !poolerParams[strings.ToLower(k)] {
				delete(cfg.ConnConfig.RuntimeParams, k)
			}
		}
	}
	if o.tracer != nil {
		cfg.ConnConfig.Tracer = o.tracer
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
