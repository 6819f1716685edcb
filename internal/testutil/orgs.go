package testutil

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"apistarter/internal/app"
	"apistarter/internal/config"

	"github.com/jackc/pgx/v5"
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

// NewCountingServer is NewServer whose main pool counts the statements it
// sends.
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
	counter := &QueryCounter{}
	a, err := app.New(context.Background(), cfg, Logger(t), app.WithQueryTracer(counter))
	if err != nil {
		t.Fatalf("testutil: app: %v", err)
	}
	t.Cleanup(a.Close)
	h, _, err := a.Handler()
	if err != nil {
		t.Fatalf("testutil: handler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.PublicBaseURL = srv.URL
	return &Server{Server: srv, App: a, Env: env}, counter
}
