package testutil

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"apistarter/internal/app"
	"apistarter/internal/auth"
	"apistarter/internal/config"
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
	env := defaultEnv(t)
	for _, o := range opts {
		o(env)
	}
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("testutil: config: %v", err)
	}
	a, err := app.New(context.Background(), cfg, Logger(t))
	if err != nil {
		t.Fatalf("testutil: app: %v", err)
	}
	t.Cleanup(a.Close)
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
	h, _, err := a.Handler()
	if err != nil {
		t.Fatalf("testutil: handler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.PublicBaseURL = srv.URL
	return &Server{Server: srv, App: a, Env: env}, counter
}
