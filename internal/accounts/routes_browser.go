package accounts

import (
	"context"
	"errors"
	"net/http"

	"apistarter/internal/apperr"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

type csrfIn struct {
	Existing string `cookie:"csrftoken" doc:"An existing token is handed out again"`
}

type csrfOut struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		CSRFToken string `json:"csrf_token"`
	}
}

type browserLoginOut struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		Access string `json:"access"`
		Email  string `json:"email"`
	}
}

type browserVerifyOut struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		Detail string `json:"detail"`
		Access string `json:"access"`
		Email  string `json:"email"`
	}
}

type browserCookieIn struct {
	Refresh string `cookie:"browser_refresh" doc:"Set by login; sent by the browser"`
}

type browserRefreshOut struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		Access string `json:"access"`
	}
}

type browserLogoutOut struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		Detail string `json:"detail"`
	}
}

// browserOp is a browser route: no-store, then (for POSTs) the CSRF check,
// then the throttle.
func (r *routes) browserOp(id, method, path, summary string, throttle *ratelimit.Scope) huma.Operation {
	op := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{"browser"}}
	op.Middlewares = huma.Middlewares{noStore, r.limiter.RememberClientIP()}
	if method != http.MethodGet {
		op.Middlewares = append(op.Middlewares, r.csrfMiddleware)
	}
	if throttle != nil {
		op.Middlewares = append(op.Middlewares, r.limiter.Middleware(r.api, *throttle))
	}
	return op
}

func (r *routes) registerBrowser() {
	huma.Register(r.api, r.browserOp("browser-csrf", http.MethodGet, "/auth/browser/csrf", "Get a CSRF token (and its cookie)", nil),
		func(ctx context.Context, in *csrfIn) (*csrfOut, error) {
			token := in.Existing
			if !validCSRFToken(token) {
				token = newCSRFToken()
			}
			out := &csrfOut{SetCookie: r.csrfCookieFor(token)}
			out.Body.CSRFToken = token
			return out, nil
		})

	huma.Register(r.api, r.browserOp("browser-login", http.MethodPost, "/auth/browser/login", "Log in; the refresh token goes into an HttpOnly cookie", &scopeLogin),
		func(ctx context.Context, in *loginIn) (*browserLoginOut, error) {
			s, err := r.svc.Login(ctx, in.Body.Email, in.Body.Password, in.Body.deviceName(), ratelimit.ClientIPFrom(ctx))
			if err != nil {
				return nil, err
			}
			out := &browserLoginOut{SetCookie: r.refreshCookieFor(s.Refresh)}
			out.Body.Access, out.Body.Email = s.Access, s.Email
			return out, nil
		})

	huma.Register(r.api, r.browserOp("browser-verify-registration", http.MethodPost, "/auth/browser/verify-registration", "Finish a registration; the refresh token goes into a cookie", &scopeVerifyRegistration),
		func(ctx context.Context, in *verifyRegistrationIn) (*browserVerifyOut, error) {
			s, err := r.svc.VerifyRegistration(ctx, in.Body.Token, in.Body.Password, in.Body.deviceName())
			if err != nil {
				return nil, err
			}
			out := &browserVerifyOut{SetCookie: r.refreshCookieFor(s.Refresh)}
			out.Body.Detail, out.Body.Access, out.Body.Email = msgEmailVerified, s.Access, s.Email
			return out, nil
		})

	huma.Register(r.api, r.browserOp("browser-refresh", http.MethodPost, "/auth/browser/refresh", "Rotate the refresh cookie, get an access token", &scopeRefresh),
		func(ctx context.Context, in *browserCookieIn) (*browserRefreshOut, error) {
			if in.Refresh == "" {
				return nil, r.withClearedCookie(apperr.Unauthorized("Refresh session is unavailable"))
			}
			s, err := r.svc.Refresh(ctx, in.Refresh)
			if err != nil {
				return nil, r.withClearedCookie(err)
			}
			out := &browserRefreshOut{SetCookie: r.refreshCookieFor(s.Refresh)}
			out.Body.Access = s.Access
			return out, nil
		})

	huma.Register(r.api, r.browserOp("browser-logout", http.MethodPost, "/auth/browser/logout", "Log out: revoke the cookie's session and clear it", &scopeLogout),
		func(ctx context.Context, in *browserCookieIn) (*browserLogoutOut, error) {
			if in.Refresh != "" {
				// Idempotent: whatever the cookie holds, it is cleared.
				var ae *apperr.Error
				if err := r.svc.Logout(ctx, in.Refresh); err != nil && !errors.As(err, &ae) {
					r.svc.log.ErrorContext(ctx, "accounts: browser logout failed", "error", err.Error())
				}
			}
			out := &browserLogoutOut{SetCookie: r.clearedRefreshCookie()}
			out.Body.Detail = "Logged out successfully."
			return out, nil
		})
}
