// Package app is the composition root: it builds the config-driven pools,
// clients and services, mounts the HTTP routes, and runs the API, worker and
// scheduler until their context ends.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"apistarter/internal/auth"
	"apistarter/internal/config"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"
	"apistarter/internal/jobs"
	"apistarter/internal/orgs"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// Version is set at build time with -ldflags.
var Version = "dev"

// App holds every long-lived dependency of one process.
type App struct {
	Cfg     *config.Config
	Log     *slog.Logger
	DB      *pgxpool.Pool
	Redis   *redis.Client
	Queries *sqlc.Queries
	Tokens  *auth.Tokens
	Auth    *auth.Authenticator
	Outbox  *jobs.Outbox
	Metrics *httpapi.Metrics
	services

	closers []func()
}

// New connects to PostgreSQL and Redis and builds the shared services.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	pool, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, DB: pool, Queries: sqlc.New(pool), Outbox: jobs.NewOutbox(), Metrics: httpapi.NewMetrics()}
	a.closers = append(a.closers, pool.Close)

	rc, err := OpenRedis(ctx, cfg.RedisURL)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Redis = rc
	a.closers = append(a.closers, func() { _ = rc.Close() })

	if a.Tokens, err = auth.NewTokens(cfg.JWTSigningKeys, cfg.JWTIssuer, cfg.JWTAudience); err != nil {
		a.Close()
		return nil, err
	}
	a.Auth = auth.NewAuthenticator(a.Tokens, a.Queries)
	a.Orgs = orgs.NewService(pool, rc, log, cfg.PermissionCacheTTL)
	// Everything that registers task handlers or periodic jobs is built here,
	// so worker, scheduler and `jobs run` see the same tables as the API.
	for _, init := range []func() error{a.initStorage, a.initJobs, a.initExports, a.initCleanup} {
		if err := init(); err != nil {
			a.Close()
			return nil, err
		}
	}
	return a, nil
}

// OpenRedis parses redis:// or rediss:// (password and TLS included) and
// checks the server answers, so a wrong password fails at startup.
func OpenRedis(ctx context.Context, url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: parse REDIS_URL: %w", err)
	}
	opt.DialTimeout = 2 * time.Second
	opt.ReadTimeout = time.Second
	opt.WriteTimeout = time.Second
	rc := redis.NewClient(opt)
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := rc.Ping(pingCtx).Err(); err != nil {
		_ = rc.Close()
		return nil, fmt.Errorf("redis: cannot connect to %s: %w", opt.Addr, err)
	}
	return rc, nil
}

// Close releases everything in reverse order of creation.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// Handler builds the whole HTTP surface: API, health, metrics, files, dashboard.
func (a *App) Handler() (http.Handler, huma.API, error) {
	mux := http.NewServeMux()
	api := httpapi.NewAPI(mux, Version)
	// GET /users/me answers with the profile of the user row the
	// authentication reads anyway.
	a.Auth.LoadProfileFor("users-me")
	api.UseMiddleware(a.Auth.Middleware(api), orgs.ScopeMiddleware(api))
	if err := a.registerRoutes(api, mux); err != nil {
		return nil, nil, err
	}
	mux.HandleFunc("GET /health/live/{$}", httpapi.Live)
	mux.Handle("GET /health/ready/{$}", httpapi.Ready(map[string]httpapi.Checker{
		"postgres": httpapi.CheckFunc(func(ctx context.Context) error { return a.DB.Ping(ctx) }),
		"redis":    httpapi.CheckFunc(func(ctx context.Context) error { return a.Redis.Ping(ctx).Err() }),
	}))
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, http.StatusNotFound, "Not Found")
	})
	h := httpapi.Chain(mux,
		httpapi.RequestIDMiddleware,
		httpapi.AccessLog(a.Log, a.Metrics),
		httpapi.Recover,
		httpapi.SecurityHeaders,
		httpapi.CORS(a.Cfg.CORSAllowedOrigins),
		httpapi.LimitBody(64<<20),
	)
	return h, api, nil
}

// registerRoutes mounts each feature. Each feature's wiring lives in its own
// wire_<feature>.go file.
func (a *App) registerRoutes(api huma.API, mux *http.ServeMux) error {
	for _, wire := range []func(huma.API, *http.ServeMux) error{
		a.wireAccounts,
		a.wireOrgs,
		a.wireContacts,
		a.wireTags,
		a.wireImages,
		a.wireAvatars,
		a.wireExports,
		a.wireJobs,
		a.wireStorage,
	} {
		if err := wire(api, mux); err != nil {
			return err
		}
	}
	return nil
}
