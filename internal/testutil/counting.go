package testutil

import (
	"context"
	"sync/atomic"
	"testing"

	"apistarter/internal/app"

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
	counter := &QueryCounter{}
	return NewServerApp(t, []app.Option{app.WithQueryTracer(counter)}, opts...), counter
}
