// Package admin owns the admin console at /admin/: server-rendered pages
// (html/template, embedded CSS, no JavaScript) where staff look at users,
// organizations, their content, the outbox and the audit log, and
// superusers act on them. Every action goes through the feature services
// the API uses (accounts, orgs, exports), so role rules, owner triggers,
// permission-cache versions and storage cleanup hold exactly as for API
// calls; each one is recorded in admin_audit_events. The console keeps its
// own sessions (admin_sessions) behind an HttpOnly, SameSite=Strict cookie,
// with a CSRF token on every form and an idle timeout.
package admin

import (
	"embed"
	"errors"
	template "github.com/DataDog/datadog-agent/pkg/template/html"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"apistarter/internal/accounts"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/exports"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"
	"apistarter/internal/storage"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Path is where the console is mounted; the queue dashboard lives apart at
// QueuesPath.
const (
	Path       = "/admin/"
	QueuesPath = "/admin/queues/"
)

// MaxSessionAge ends a console session however busy it is.
const MaxSessionAge = 12 * time.Hour

// TaskRunner hands an archived (failed) queue task back to its queue;
// *asynq.Inspector is one.
type TaskRunner interface {
	RunTask(queue, id string) error
}

// Settings are the configuration values the console depends on.
type Settings struct {
	// SecureCookies marks the session cookies Secure (ADMIN_COOKIE_SECURE).
	SecureCookies bool
	// IdleTimeout ends a session unused this long (ADMIN_SESSION_IDLE).
	IdleTimeout time.Duration
	// PublicBaseURL is the API's public address; with RequireBaseScheme
	// (production) the console answers only over its scheme and redirects
	// other requests there.
	PublicBaseURL     string
	RequireBaseScheme bool
	// QueuesLinked shows the link to the queue dashboard (mounted apart).
	QueuesLinked bool
}

// Deps are the services the console acts through.
type Deps struct {
	Pool        *pgxpool.Pool
	Accounts    *accounts.Service
	Orgs        *orgs.Service
	Invitations *orgs.Invitations
	Exports     *exports.Service
	// Images is the private storage namespace: thumbnails are shown
	// through signed links.
	Images   storage.Storage
	Tasks    TaskRunner
	IPs      *ratelimit.IPResolver
	Log      *slog.Logger
	Settings Settings
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Console serves the admin pages.
type Console struct {
	Deps
	q      *sqlc.Queries
	pages  map[string]*template.Template
	base   *url.URL
	static http.Handler
	now    func() time.Time
}

// New builds the console handler, to be mounted at Path (the queue
// dashboard at QueuesPath is mounted apart and wins as the longer pattern).
func New(d Deps) (http.Handler, error) {
	switch {
	case d.Pool == nil || d.Accounts == nil || d.Orgs == nil || d.Invitations == nil || d.Exports == nil || d.IPs == nil:
		return nil, errors.New("admin: pool, accounts, orgs, invitations, exports and the IP resolver are required")
	case d.Settings.IdleTimeout <= 0:
		return nil, errors.New("admin: idle timeout must be positive")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	base, err := url.Parse(d.Settings.PublicBaseURL)
	if err != nil || (d.Settings.RequireBaseScheme && base.Host == "") {
		return nil, errors.New("admin: public base URL must be an absolute URL")
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	c := &Console{Deps: d, q: sqlc.New(d.Pool), pages: pages, base: base, now: time.Now,
		static: http.StripPrefix(Path+"static/", http.FileServerFS(sub))}
	return c.routes(), nil
}

// routes is the console's route table. Pages need a session (staff or
// superuser); actions are POSTs that need a superuser session and its CSRF
// token.
func (c *Console) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /admin/static/", c.static)
	mux.HandleFunc("GET /admin/login", c.loginPage)
	mux.HandleFunc("POST /admin/login", c.login)
	mux.HandleFunc("POST /admin/logout", c.logout)

	mux.HandleFunc("GET /admin/{$}", c.page(c.overview))
	mux.HandleFunc("GET /admin/users", c.page(c.users))
	mux.HandleFunc("GET /admin/users/{id}", c.page(c.user))
	mux.HandleFunc("GET /admin/users/{id}/delete", c.page(c.confirmUserDelete))
	mux.HandleFunc("POST /admin/users/{id}/activate", c.action(c.activateUser(true)))
	mux.HandleFunc("POST /admin/users/{id}/deactivate", c.action(c.activateUser(false)))
	mux.HandleFunc("POST /admin/users/{id}/verify", c.action(c.verifyUser))
	mux.HandleFunc("POST /admin/users/{id}/revoke-sessions", c.action(c.revokeUserSessions))
	mux.HandleFunc("POST /admin/users/{id}/password-reset", c.action(c.sendPasswordReset))
	mux.HandleFunc("POST /admin/users/{id}/delete", c.action(c.deleteUser))

	mux.HandleFunc("GET /admin/orgs", c.page(c.orgs))
	mux.HandleFunc("GET /admin/orgs/{id}", c.page(c.org))
	mux.HandleFunc("GET /admin/orgs/{id}/content", c.page(c.content))
	mux.HandleFunc("GET /admin/orgs/{id}/delete", c.page(c.confirmOrgDelete))
	mux.HandleFunc("POST /admin/orgs/{id}/role", c.action(c.changeRole))
	mux.HandleFunc("POST /admin/orgs/{id}/remove", c.action(c.removeMember))
	mux.HandleFunc("POST /admin/orgs/{id}/transfer", c.action(c.transferOwnership))
	mux.HandleFunc("POST /admin/orgs/{id}/invitations/{inv}/revoke", c.action(c.revokeInvitation))
	mux.HandleFunc("POST /admin/orgs/{id}/export", c.action(c.startExport))
	mux.HandleFunc("POST /admin/orgs/{id}/delete", c.action(c.deleteOrg))

	mux.HandleFunc("GET /admin/outbox", c.page(c.outbox))
	mux.HandleFunc("POST /admin/outbox/{id}/retry", c.action(c.retryTask))
	mux.HandleFunc("GET /admin/audit", c.page(c.audit))

	mux.HandleFunc("/admin/", c.page(func(w http.ResponseWriter, r *http.Request, s *session) {
		c.fail(w, r, s, http.StatusNotFound, "Page not found.")
	}))
	return c.guard(mux)
}

// guard applies what every console response needs: no caching, no
// framing, a strict content policy (no script at all), and in production
// the public base URL's scheme.
func (c *Console) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data: https: http:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "same-origin")
		if c.Settings.RequireBaseScheme && requestScheme(r) != c.base.Scheme {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				http.Error(w, "The admin console is served over "+c.base.Scheme+" only.", http.StatusForbidden)
				return
			}
			u := *c.base
			u.Path, u.RawQuery = r.URL.Path, r.URL.RawQuery
			http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestScheme is the scheme the client used: TLS here, or the one the
// terminating proxy reports. A forged header can only downgrade the
// forger's own connection, and the Secure cookies never travel over http.
func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		return p
	}
	return "http"
}

// clientIP resolves the client address as the rate limits do.
func (c *Console) clientIP(r *http.Request) string {
	return c.IPs.ClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"))
}
