// Package ratelimit owns request throttling: atomic GCRA limits kept in Redis
// (go-redis/redis_rate), an in-process fallback used while Redis is
// unreachable, per-key failure backoff (login lockout), the client-IP rule
// (X-Forwarded-For only from TRUSTED_PROXIES) and the 429 response with
// Retry-After and RateLimit-* headers.
//
// Features use it in one of two ways:
//   - per operation: httpapi.Route{Middlewares: huma.Middlewares{l.Middleware(api, scope)}}
//     (runs after authentication, so a scope can count per user, and before
//     body validation, so malformed requests count too);
//   - inside a handler: if err := l.Allow(ctx, scope, ident).Err(); err != nil { return nil, err }.
package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is Limit events per Period; bursts of up to Limit are allowed.
type Rate struct {
	Limit  int
	Period time.Duration
}

// PerMinute is n events a minute.
func PerMinute(n int) Rate { return Rate{Limit: n, Period: time.Minute} }

// PerHour is n events an hour.
func PerHour(n int) Rate { return Rate{Limit: n, Period: time.Hour} }

// ParseRate reads the "N/s|m|h|d" notation of the rate settings (e.g. "60/m").
func ParseRate(s string) (Rate, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	limit, err := strconv.Atoi(n)
	if !ok || err != nil || limit < 1 {
		return Rate{}, fmt.Errorf("ratelimit: rate %q: want N/s, N/m, N/h or N/d", s)
	}
	periods := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	p, ok := periods[strings.ToLower(unit)]
	if !ok {
		return Rate{}, fmt.Errorf("ratelimit: rate %q: want N/s, N/m, N/h or N/d", s)
	}
	return Rate{Limit: limit, Period: p}, nil
}

// Scope is a named limit; requests of one scope and one identity share a
// bucket (e.g. the two login routes share "auth_login").
type Scope struct {
	Name string
	Rate Rate
}
