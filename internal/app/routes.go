package app

import (
	"context"
	"fmt"
	"net/http"

	"apistarter/internal/accounts"
	"apistarter/internal/admin"
	"apistarter/internal/avatars"
	"apistarter/internal/contacts"
	"apistarter/internal/exports"
	"apistarter/internal/httpapi"
	"apistarter/internal/images"
	"apistarter/internal/jobs"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"
	"apistarter/internal/storage"
	"apistarter/internal/tags"

	"github.com/danielgtaylor/huma/v2"
)

// DashboardPath is where the queue dashboard is mounted.
const DashboardPath = "/admin/queues"

// Handler builds the public HTTP surface: API, health, files, dashboard.
// /metrics is not on it: see MetricsHandler.
func (a *App) Handler() (http.Handler, huma.API, error) {
	mux := http.NewServeMux()
	api := httpapi.NewAPI(mux, Version)
	api.UseMiddleware(a.Auth.Middleware(api), orgs.ScopeMiddleware(api), a.Orgs.AuditTenantAccess(a.limiter.IPs()))
	if err := a.routes(api, mux); err != nil {
		return nil, nil, err
	}
	mux.HandleFunc("/", httpapi.Fallback(mux))
	h := httpapi.Chain(mux,
		httpapi.Trace(a.tracerProvider),
		httpapi.RequestIDMiddleware,
		httpapi.AccessLog(a.Log, a.Metrics),
		httpapi.Recover,
		httpapi.SecurityHeaders,
		httpapi.CORS(a.Cfg.CORSAllowedOrigins),
		httpapi.LimitBody(64<<20),
	)
	return h, api, nil
}

// routes is the one list of what the process serves: each feature's API
// operations, then the plain handlers.
func (a *App) routes(api huma.API, mux *http.ServeMux) error {
	cfg := a.Cfg
	accounts.RegisterRoutes(api, a.accounts, a.limiter, accounts.Browser{
		TrustedOrigins: append([]string{cfg.PublicBaseURL}, cfg.CORSAllowedOrigins...),
		SecureCookies:  cfg.BrowserCookieSecure,
	})
	orgs.RegisterRoutes(api, a.Orgs, a.invitations, a.orgLimits)
	contacts.Register(api, a.contacts, a.limiter)
	tags.Register(api, a.tags)
	images.Register(api, a.images, a.limiter)
	avatars.Register(api, a.avatars, a.limiter)
	exports.Register(api, a.exports, a.limiter.Middleware(api, ratelimit.Scope{Name: exports.ScopeCreate, Rate: ratelimit.Rate(cfg.ExportRatePerUser)}))

	// Signed private links at /files/ (archive downloads are logged) and the
	// public namespace at /media/; with s3 /files/ answers 404, links point
	// at the store.
	mux.Handle(exports.DownloadPattern, exports.LogDownloads(a.Log.With("component", "exports"), a.Storage.FilesHandler()))
	mux.Handle("GET "+storage.FilesPath, a.Storage.FilesHandler())
	mux.Handle("GET "+storage.MediaPath, a.Storage.MediaHandler())

	// The queue dashboard only when DASHBOARD_BASIC_AUTH is set; else its
	// path is a plain 404 (not the console's sign-in page).
	if cfg.DashboardBasicAuth == "" {
		mux.HandleFunc(DashboardPath+"/", func(w http.ResponseWriter, r *http.Request) {
			httpapi.WriteError(w, r, http.StatusNotFound, "Not Found")
		})
	} else {
		d, err := jobs.NewDashboard(a.redisConn, DashboardPath, cfg.DashboardBasicAuth)
		if err != nil {
			return fmt.Errorf("app: dashboard: %w", err)
		}
		a.closers = append(a.closers, func() { _ = d.Close() })
		mux.Handle(DashboardPath+"/", d)
	}

	// The admin console at /admin/ (ADMIN_ENABLED); /admin/queues/ is the
	// longer pattern and stays the dashboard's.
	if cfg.AdminEnabled {
		console, err := admin.New(admin.Deps{
			Pool: a.DB, Accounts: a.accounts, Orgs: a.Orgs, Invitations: a.invitations, Exports: a.exports,
			Images: a.Storage.Private, Tasks: a.inspector, IPs: a.limiter.IPs(),
			Log: a.Log.With("component", "admin"),
			Settings: admin.Settings{
				SecureCookies: cfg.AdminCookieSecure, IdleTimeout: cfg.AdminSessionIdle,
				PublicBaseURL: cfg.PublicBaseURL, RequireBaseScheme: cfg.IsProduction(),
				QueuesLinked: cfg.DashboardBasicAuth != "",
			},
		})
		if err != nil {
			return fmt.Errorf("app: admin console: %w", err)
		}
		mux.Handle(admin.Path, console)
	}

	mux.HandleFunc("GET /health/live/{$}", httpapi.Live)
	mux.Handle("GET /health/ready/{$}", httpapi.Ready(map[string]httpapi.Checker{
		"postgres": httpapi.CheckFunc(func(ctx context.Context) error { return a.DB.Ping(ctx) }),
		"redis":    httpapi.CheckFunc(func(ctx context.Context) error { return a.Redis.Ping(ctx).Err() }),
		"serving": httpapi.CheckFunc(func(context.Context) error {
			if a.draining.Load() {
				return errDraining
			}
			return nil
		}),
	}))
	return nil
}
