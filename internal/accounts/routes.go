package accounts

import (
	"apistarter/internal/httpapi"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

// Browser configures the cookie flow of /auth/browser/*.
type Browser struct {
	// TrustedOrigins may send state-changing browser requests
	// (CORS_ALLOWED_ORIGINS and the API's own origin).
	TrustedOrigins []string
	// SecureCookies sets the Secure flag (forced in production).
	SecureCookies bool
}

// routes holds what every handler needs.
type routes struct {
	api     huma.API
	svc     *Service
	limiter *ratelimit.Limiter
	browser Browser
	origins map[string]bool
	// rememberIP runs first on every route: it stores the client address
	// for the flows keyed by it (login backoff).
	rememberIP func(huma.Context, func(huma.Context))
}

// RegisterRoutes mounts every /token, /auth, /auth/browser and /users route
// and the sessions routes.
func RegisterRoutes(api huma.API, svc *Service, limiter *ratelimit.Limiter, b Browser) {
	r := &routes{api: api, svc: svc, limiter: limiter, browser: b, origins: map[string]bool{}, rememberIP: limiter.RememberClientIP()}
	for _, o := range b.TrustedOrigins {
		r.origins[trimOrigin(o)] = true
	}
	r.registerToken()
	r.registerRegistration()
	r.registerPassword()
	r.registerEmail()
	r.registerAccount()
	r.registerSessions()
	r.registerUsers()
	r.registerBrowser()
}

// throttle limits a route by scope. As an operation middleware it runs
// after authentication, so a scope can count per user, and before the body
// is validated, so malformed requests count too.
func (r *routes) throttle(scope ratelimit.Scope) func(huma.Context, func(huma.Context)) {
	return r.limiter.Middleware(r.api, scope)
}

type detailOut struct{ Body httpapi.Detail }

func detail(msg string) *detailOut { return &detailOut{Body: httpapi.Detail{Detail: msg}} }

type reauthOut struct{ Body ReauthResponse }
