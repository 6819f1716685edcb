package testutil

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"apistarter/internal/app"
	"apistarter/internal/config"
)

// Server is a real app behind an httptest server, on its own database and
// Redis database.
type Server struct {
	*httptest.Server
	App *app.App
	Env map[string]string
}

// Env returns the test defaults; options adjust them before the app starts.
func defaultEnv(t testing.TB) map[string]string {
	return map[string]string{
		"APP_ENV":                              "test",
		"DATABASE_URL":                         PostgresURL(t),
		"REDIS_URL":                            RedisURL(t),
		"STORAGE_DIR":                          t.TempDir(),
		"REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN": "false",
		"RATELIMIT_ENABLED":                    "false",
		"PASSWORD_HASH_MEMORY_KIB":             "1024",
		"PASSWORD_HASH_TIME":                   "1",
		"JWT_SIGNING_KEYS":                     "test-signing-key-0123456789abcdef",
		"SECRET_KEY":                           "test-secret-key-0123456789abcdef",
	}
}

// Option changes the environment before the app is built.
type Option func(env map[string]string)

// WithEnv sets one variable.
func WithEnv(k, v string) Option { return func(env map[string]string) { env[k] = v } }

// NewServer builds the app on fresh storage and serves it over HTTP.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return NewServerApp(t, nil, opts...)
}

// NewServerApp is NewServer with options for app.New (a query counter, a
// tracer provider).
func NewServerApp(t testing.TB, appOpts []app.Option, opts ...Option) *Server {
	t.Helper()
	env := defaultEnv(t)
	for _, o := range opts {
		o(env)
	}
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("testutil: config: %v", err)
	}
	a, err := app.New(context.Background(), cfg, Logger(t), appOpts...)
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
	return &Server{Server: srv, App: a, Env: env}
}

// Logger discards logs unless TEST_LOG=1.
func Logger(t testing.TB) *slog.Logger {
	var w io.Writer = io.Discard
	if os.Getenv("TEST_LOG") == "1" {
		w = os.Stderr
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Do sends a request with an optional bearer token and JSON body.
func (s *Server) Do(t testing.TB, method, path, token string, body io.Reader, headers map[string]string) *http.Response {
	t.Helper()
	resp, err := s.Client().Do(newRequest(t, s.URL, method, path, token, body, headers))
	if err != nil {
		t.Fatalf("testutil: %s %s: %v", method, path, err)
	}
	return resp
}

// Send is Do with a string body (none when empty); it returns the status
// and the body read.
func (s *Server) Send(t testing.TB, method, path, token, body string, headers map[string]string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	return ReadResponse(t, s.Do(t, method, path, token, r, headers))
}

// newRequest is a request to base+path with an optional bearer token and a
// JSON content type when there is a body; headers override both.
func newRequest(t testing.TB, base, method, path, token string, body io.Reader, headers map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatalf("testutil: request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

// Scrape returns what the app's metrics listener (METRICS_ADDR) serves at
// /metrics; the public listener does not serve it.
func (s *Server) Scrape(t testing.TB) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.App.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("testutil: scrape: %d %s", rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}
