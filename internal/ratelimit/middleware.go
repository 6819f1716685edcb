package ratelimit

import (
	"context"
	"net/http"
	"strconv"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"

	"github.com/danielgtaylor/huma/v2"
)

// MiddlewareOption adjusts Middleware.
type MiddlewareOption func(*middlewareConfig)

type middlewareConfig struct {
	when     func(huma.Context) bool
	anonOnly bool
}

// When limits only the requests for which cond is true (e.g. contacts
// search: only when the search query is not blank).
func When(cond func(huma.Context) bool) MiddlewareOption {
	return func(c *middlewareConfig) { c.when = cond }
}

// AnonymousOnly skips authenticated requests: the scope limits only
// clients without a token, counted per IP.
func AnonymousOnly() MiddlewareOption {
	return func(c *middlewareConfig) { c.anonOnly = true }
}

// Middleware is a per-operation huma middleware enforcing scope. Put it in
// huma.Operation.Middlewares: it then runs after authentication and before
// the body is read and validated, so invalid requests count too.
func (l *Limiter) Middleware(api huma.API, scope Scope, opts ...MiddlewareOption) func(huma.Context, func(huma.Context)) {
	var cfg middlewareConfig
	for _, o := range opts {
		o(&cfg)
	}
	return func(ctx huma.Context, next func(huma.Context)) {
		if !l.enabled || (cfg.when != nil && !cfg.when(ctx)) {
			next(ctx)
			return
		}
		if _, authed := auth.PrincipalFrom(ctx.Context()); authed && cfg.anonOnly {
			next(ctx)
			return
		}
		res := l.Allow(ctx.Context(), scope, l.Ident(ctx))
		for k, v := range res.Headers() {
			ctx.SetHeader(k, v[0])
		}
		if !res.Allowed {
			_ = huma.WriteErr(api, ctx, http.StatusTooManyRequests, "", apperr.TooMany())
			return
		}
		next(ctx)
	}
}

// Ident is the identity a request is counted under: the user id when
// authenticated, else the client IP (see IPResolver).
func (l *Limiter) Ident(ctx huma.Context) string {
	if p, ok := auth.PrincipalFrom(ctx.Context()); ok {
		return UserIdent(p.UserID)
	}
	return ipIdent(l.ClientIP(ctx))
}

// UserIdent is the identity of an authenticated user.
func UserIdent(userID int64) string { return "u:" + strconv.FormatInt(userID, 10) }

// IPIdent is the identity of an anonymous client address.
func IPIdent(ip string) string { return ipIdent(ip) }

// ClientIP resolves the client address of a huma request.
func (l *Limiter) ClientIP(ctx huma.Context) string {
	var xff []string
	ctx.EachHeader(func(name, value string) {
		if http.CanonicalHeaderKey(name) == "X-Forwarded-For" {
			xff = append(xff, value)
		}
	})
	return l.ips.ClientIP(ctx.RemoteAddr(), xff)
}

type clientIPKey struct{}

// RememberClientIP is an operation middleware that stores the resolved
// client address in the request context for ClientIPFrom.
func (l *Limiter) RememberClientIP() func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		next(huma.WithValue(ctx, clientIPKey{}, l.ClientIP(ctx)))
	}
}

// ClientIPFrom is the client address stored by RememberClientIP ("" when
// the operation does not remember it).
func ClientIPFrom(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
