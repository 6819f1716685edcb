// Package logctx carries the request id and the scoped logger in a
// context. HTTP middleware and the task worker both set them, so that code
// running in either place logs with the same fields without depending on
// the HTTP layer.
package logctx

import (
	"context"
	"log/slog"
)

type requestIDKey struct{}

type loggerKey struct{}

// RequestID returns the id of the request or task being served ("" outside one).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestID stores id in ctx.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// Logger returns the scoped logger stored in ctx, or slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// WithLogger stores l in ctx.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}
