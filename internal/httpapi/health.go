package httpapi

import (
	"context"
	"net/http"
	"time"

	"apistarter/internal/logctx"
)

// Checker is one readiness dependency (PostgreSQL, Redis).
type Checker interface {
	Check(ctx context.Context) error
}

// CheckFunc adapts a function to Checker.
type CheckFunc func(ctx context.Context) error

// Check calls f.
func (f CheckFunc) Check(ctx context.Context) error { return f(ctx) }

// Live answers 200 without touching dependencies.
func Live(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Ready answers 200 when every checker passes within two seconds, else 503.
func Ready(checks map[string]Checker) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		failed := map[string]string{}
		for name, c := range checks {
			if err := c.Check(ctx); err != nil {
				failed[name] = "unavailable"
				logctx.Logger(r.Context()).Warn("readiness check failed", "dependency", name, "error", err.Error())
			}
		}
		if len(failed) > 0 {
			WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "checks": failed})
			return
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
}
