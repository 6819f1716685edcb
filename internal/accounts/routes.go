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
}

// RegisterRoutes mounts every /token, /auth, /auth/browser and /users route
// of the contract and the sessions routes.
func RegisterRoutes(api huma.API, svc *Service, limiter *ratelimit.Limiter, b Browser) {
	r := &routes{api: api, svc: svc, limiter: limiter, browser: b, origins: map[string]bool{}}
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

// operation describes one route; throttle (optional) runs after
// authentication and before the body is validated, like the original. The
// client address is remembered for the flows keyed by it (login backoff).
func (r *routes) operation(id, method, path, summary, tag string, bearer bool, throttle *ratelimit.Scope) huma.Operation {
	op := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}}
	op.Middlewares = huma.Middlewares{r.limiter.RememberClientIP()}
	if bearer {
		op.Security = httpapi.Bearer
	}
	if throttle != nil {
		op.Middlewares = append(op.Middlewares, r.limiter.Middleware(r.api, *throttle))
	}
	return op
}

// detailOut is a {"detail": ...} body.
type detailOut struct {
	Body struct {
		Detail string `json:"detail"`
	}
}

func detail(msg string) *detailOut {
	out := &detailOut{}
	out.Body.Detail = msg
	return out
}

type reauthOut struct{ Body ReauthResponse }
