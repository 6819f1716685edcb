package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout bounds how long in-flight requests and tasks may finish.
const ShutdownTimeout = 20 * time.Second

// Serve runs the HTTP server until ctx ends, then drains in-flight requests.
func (a *App) Serve(ctx context.Context) error {
	h, _, err := a.Handler()
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              a.Cfg.HTTPAddr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", a.Cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("serve: listen %s: %w", a.Cfg.HTTPAddr, err)
	}
	a.Log.Info("http server listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Drain: readiness fails at once so a balancer stops routing here;
	// requests keep being served (without keep-alive, so clients move on)
	// for the drain delay, then in-flight ones finish.
	a.draining.Store(true)
	srv.SetKeepAlivesEnabled(false)
	if d := a.Cfg.ShutdownDrainDelay; d > 0 {
		a.Log.Info("http server draining", "delay", d.String())
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case err := <-errc:
			t.Stop()
			return fmt.Errorf("serve: %w", err)
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	a.Log.Info("http server stopped")
	return nil
}
