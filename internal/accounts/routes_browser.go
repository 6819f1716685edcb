package accounts

import (
	"context"
	"errors"
	"net/http"

	"apistarter/internal/apperr"
	"apistarter/internal/httpapi"
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
	Body      httpapi.Detail
}

func (r *routes) registerBrowser() {
	huma.Register(r.api, httpapi.Route{ID: "browser-csrf", Method: http.MethodGet, Path: "/auth/browser/csrf",
		Summary: "Get a CSRF token (and its cookie)", Tag: "browser", Public: true,
		Middlewares: huma.Middlewares{noStore, r.rememberIP}}.Operation(),
		func(ctx context.Context, in *csrfIn) (*csrfOut, error) {
			token := in.Existing
			if !validCSRFToken(token) {
				token = newCSRFToken()
			}
			out := &csrfOut{SetCookie: r.csrfCookieFor(token)}
			out.Body.CSRFToken = token
			return out, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "browser-login", Method: http.MethodPost, Path: "/auth/browser/login",
		Summary: "Log in; the refresh token goes into an HttpOnly cookie", Tag: "browser", Public: true,
		Middlewares: huma.Middlewares{noStore, r.rememberIP, r.csrfMiddleware, r.throttle(scopeLogin)}}.Operation(),
		func(ctx context.Context, in *loginIn) (*browserLoginOut, error) {
			s, err := r.svc.Login(ctx, in.Body.Email, in.Body.Password, in.Body.deviceName(), ratelimit.ClientIPFrom(ctx))
			if err != nil {
				return nil, err
			}
			out := &browserLoginOut{SetCookie: r.refreshCookieFor(s.Refresh)}
			out.Body.Access, out.Body.Email = s.Access, s.Email
			return out, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "browser-verify-registration", Method: http.MethodPost, Path: "/auth/browser/verify-registration",
		Summary: "Finish a registration; the refresh token goes into a cookie", Tag: "browser", Public: true,
		Middlewares: huma.Middlewares{noStore, r.rememberIP, r.csrfMiddleware, r.throttle(scopeVerifyRegistration)}}.Operation(),
		func(ctx context.Context, in *verifyRegistrationIn) (*browserVerifyOut, error) {
			s, err := r.svc.VerifyRegistration(ctx, in.Body.Token, in.Body.Password, in.Body.deviceName())
			if err != nil {
				return nil, err
			}
			out := &browserVerifyOut{SetCookie: r.refreshCookieFor(s.Refresh)}
			out.Body.Detail, out.Body.Access, out.Body.Email = msgEmailVerified, s.Access, s.Email
			return out, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "browser-refresh", Method: http.MethodPost, Path: "/auth/browser/refresh",
		Summary: "Rotate the refresh cookie, get an access token", Tag: "browser", Public: true,
		Middlewares: huma.Middlewares{noStore, r.rememberIP, r.csrfMiddleware, r.throttle(scopeRefresh)}}.Operation(),
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

	huma.Register(r.api, httpapi.Route{ID: "browser-logout", Method: http.MethodPost, Path: "/auth/browser/logout",
		Summary: "Log out: revoke the cookie's session and clear it", Tag: "browser", Public: true,
		Middlewares: huma.Middlewares{noStore, r.rememberIP, r.csrfMiddleware, r.throttle(scopeLogout)}}.Operation(),
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
