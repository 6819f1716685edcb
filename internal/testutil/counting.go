package testutil

import (
	"context"
	"sync/atomic"
	"testing"

	"apistarter/internal/auth"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/orgs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// QueryCounter is a pgx tracer counting the statements sent to PostgreSQL
// (BEGIN and COMMIT included).
type QueryCounter struct{ n atomic.Int64 }

// TraceQueryStart counts one statement.
func (c *QueryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

// TraceQueryEnd does nothing.
func (c *QueryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Count returns the statements counted so far.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

// NewCountingServer is NewServer whose request path runs on a pool that
// counts statements: the pool, queries, authenticator and org service of the
// app are swapped before the handler is built.
func NewCountingServer(t testing.TB, opts ...Option) (*Server, *QueryCounter) {
	t.Helper()
	a, cfg, env := newApp(t, opts)
	pcfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		t.Fatalf("testutil: pool config: %v", err)
	}
	counter := &QueryCounter{}
	pcfg.ConnConfig.Tracer = counter
	pcfg.MaxConns = max(pcfg.MaxConns, 16) // db.Open's floor: benchmarks run 16 clients at once
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		t.Fatalf("testutil: pool: %v", err)
	}
	t.Cleanup(pool.Close)
	a.DB = pool
	a.Queries = sqlc.New(pool)
	a.Auth = auth.NewAuthenticator(a.Tokens, a.Queries)
	a.Orgs = orgs.NewService(pool, a.Redis, a.Log, cfg.PermissionCacheTTL)
	return serve(t, a, cfg, env), counter
}
