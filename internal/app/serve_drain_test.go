package app_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"apistarter/internal/app"
	"apistarter/internal/config"
	"apistarter/internal/testutil"
)

// TestServeDrainsOnShutdown: when serve's context ends (SIGTERM), readiness
// turns 503 while requests are still served, then the server stops.
func TestServeDrainsOnShutdown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	env := map[string]string{
		"APP_ENV": "test", "DATABASE_URL": testutil.PostgresURL(t), "REDIS_URL": testutil.RedisURL(t),
		"JWT_SIGNING_KEYS": "test-signing-key-0123456789abcdef", "SECRET_KEY": "test-secret-key-0123456789abcdef",
		"STORAGE_DIR": t.TempDir(), "HTTP_ADDR": addr, "SHUTDOWN_DRAIN_DELAY": "3s",
	}
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, testutil.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	base := "http://" + addr
	status := func(path string) int {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	testutil.Eventually(t, 10*time.Second, "ready", func() bool {
		select {
		case err := <-done:
			t.Fatalf("serve: %v", err)
		default:
		}
		return status("/health/ready/") == 200
	})

	cancel()
	testutil.Eventually(t, 10*time.Second, "readiness 503 while draining", func() bool { return status("/health/ready/") == 503 })
	if st := status("/health/live/"); st != 200 {
		t.Fatalf("requests must still be served while draining, got %s", strconv.Itoa(st))
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if st := status("/health/live/"); st != 0 {
		t.Fatalf("server still accepting after shutdown: %d", st)
	}
}
