package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"apistarter/internal/httpapi"
)

// MetricsHandler serves GET /metrics and nothing else. It is mounted on the
// metrics listener only, never on the public API listener.
func (a *App) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, http.StatusNotFound, "Not Found")
	})
	return mux
}

// ListenMetrics opens the metrics listener on METRICS_ADDR; it returns a
// nil listener when METRICS_ADDR is empty (metrics disabled).
func (a *App) ListenMetrics() (net.Listener, error) {
	if a.Cfg.MetricsAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", a.Cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen %s: %w", a.Cfg.MetricsAddr, err)
	}
	return ln, nil
}

// ServeMetrics serves MetricsHandler on ln until ctx ends.
func (a *App) ServeMetrics(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.MetricsHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		// A scrape is bounded by the collectors' own deadlines; this only
		// stops a stalled scraper from holding the connection.
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  2 * time.Minute,
	}
	a.Log.Info("metrics server listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("metrics: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: shutdown: %w", err)
	}
	return nil
}

// RunWithMetrics runs the process's components (API, worker, scheduler, or
// all three in dev) with one metrics listener beside them. The listener is
// opened first, so a taken METRICS_ADDR fails the command at once. When any
// component returns, the others are stopped.
func (a *App) RunWithMetrics(ctx context.Context, components ...func(context.Context) error) error {
	ln, err := a.ListenMetrics()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if ln != nil {
		components = append(components, func(ctx context.Context) error { return a.ServeMetrics(ctx, ln) })
	}
	errc := make(chan error, len(components))
	for _, run := range components {
		go func() { errc <- run(ctx) }()
	}
	var first error
	for range components {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
		cancel()
	}
	return first
}
