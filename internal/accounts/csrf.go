package accounts

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
)

// Cookies of the browser flow.
const (
	csrfCookie    = "csrftoken"
	csrfHeader    = "X-CSRFToken"
	refreshCookie = "browser_refresh"
	refreshPath   = httpapi.Prefix + "/auth/browser/"
	csrfMaxAge    = 365 * 24 * 60 * 60 // Django's CSRF_COOKIE_AGE
)

var errCSRF = apperr.Forbidden("CSRF verification failed")

func trimOrigin(o string) string { return strings.TrimRight(strings.TrimSpace(o), "/") }

// noStore marks browser responses uncacheable (they carry tokens).
func noStore(ctx huma.Context, next func(huma.Context)) {
	ctx.SetHeader("Cache-Control", "no-store")
	ctx.SetHeader("Pragma", "no-cache")
	next(ctx)
}

// csrfMiddleware is the double-submit check of every state-changing browser
// call, before any other work: a present Origin must be trusted, and the
// X-CSRFToken header must equal the csrftoken cookie (which only our
// origin's pages can read back from /auth/browser/csrf).
func (r *routes) csrfMiddleware(ctx huma.Context, next func(huma.Context)) {
	if !r.csrfOK(ctx) {
		_ = huma.WriteErr(r.api, ctx, http.StatusForbidden, "", errCSRF)
		return
	}
	next(ctx)
}

func (r *routes) csrfOK(ctx huma.Context) bool {
	if origin := ctx.Header("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || !r.origins[trimOrigin(origin)] || u.Host == "" {
			return false
		}
	}
	c, err := huma.ReadCookie(ctx, csrfCookie)
	if err != nil || !validCSRFToken(c.Value) {
		return false
	}
	h := ctx.Header(csrfHeader)
	return h != "" && subtle.ConstantTimeCompare([]byte(h), []byte(c.Value)) == 1
}

// validCSRFToken accepts what newCSRFToken makes (43 URL-safe characters).
func validCSRFToken(v string) bool {
	if len(v) != 43 {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func newCSRFToken() string { return auth.RandomToken() }

// csrfCookieFor sets the CSRF cookie, HttpOnly so that scripts cannot read
// it: pages get the value from the JSON body.
func (r *routes) csrfCookieFor(token string) http.Cookie {
	return http.Cookie{Name: csrfCookie, Value: token, Path: "/", MaxAge: csrfMaxAge,
		HttpOnly: true, Secure: r.browser.SecureCookies, SameSite: http.SameSiteLaxMode}
}

// refreshCookieFor carries the refresh token, only to /api/v1/auth/browser/.
func (r *routes) refreshCookieFor(token string) http.Cookie {
	return http.Cookie{Name: refreshCookie, Value: token, Path: refreshPath, MaxAge: int(auth.RefreshLifetime.Seconds()),
		HttpOnly: true, Secure: r.browser.SecureCookies, SameSite: http.SameSiteLaxMode}
}

// clearedRefreshCookie deletes the refresh cookie (Max-Age 0, same flags).
func (r *routes) clearedRefreshCookie() http.Cookie {
	c := r.refreshCookieFor("")
	c.MaxAge = -1 // serialised as Max-Age=0
	return c
}

// withClearedCookie answers err and deletes the refresh cookie.
func (r *routes) withClearedCookie(err error) error {
	c := r.clearedRefreshCookie()
	h := http.Header{}
	h.Add("Set-Cookie", c.String())
	return huma.ErrorWithHeaders(err, h)
}
