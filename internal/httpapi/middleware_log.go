package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"apistarter/internal/logctx"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// StatusRecorder remembers the status and size written; Status is 200 once
// a body was written without an explicit header.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
	Bytes  int64
}

func (s *StatusRecorder) WriteHeader(code int) {
	if s.Status == 0 {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.Bytes += int64(n)
	return n, err
}

func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *StatusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// AccessLog logs one JSON line per request: method, route pattern, status,
// duration. The query string is never logged: it may hold signed-link
// signatures or tokens.
func AccessLog(base *slog.Logger, m *Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rid := logctx.RequestID(r.Context())
			l := base.With("request_id", rid)
			span := trace.SpanFromContext(r.Context())
			if sc := span.SpanContext(); sc.IsValid() {
				l = l.With("trace_id", sc.TraceID().String())
			}
			rec := &StatusRecorder{ResponseWriter: w}
			r = r.WithContext(logctx.WithLogger(r.Context(), l))
			next.ServeHTTP(rec, r)
			if rec.Status == 0 {
				rec.Status = http.StatusOK
			}
			d := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			if m != nil {
				m.observeHTTP(r.Method, route, rec.Status, d)
			}
			if span.IsRecording() {
				// Named after the route, not the path: one name per route.
				span.SetName(route)
				span.SetAttributes(attribute.String("http.route", route))
			}
			level := slog.LevelInfo
			if rec.Status >= 500 {
				level = slog.LevelError
			}
			l.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("route", route),
				slog.Int("status", rec.Status),
				slog.Int64("bytes", rec.Bytes),
				slog.Duration("duration", d),
			)
		})
	}
}
