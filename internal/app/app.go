// Package app is the composition root: it builds the config-driven pools,
// clients and services, mounts the HTTP routes, and runs the API, worker and
// scheduler until their context ends.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"

	"apistarter/internal/auth"
	"apistarter/internal/config"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"
	"apistarter/internal/images"
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
	Cfg *config.Config
	Log *slog.Logger
	DB  *pgxpool.Pool
	// DirectDB reaches PostgreSQL without the transaction pooler: session
	// advisory locks (export runs, periodic jobs) live on its connections.
	// It is DB itself when no pooler is configured.
	DirectDB *pgxpool.Pool
	Redis    *redis.Client
	Queries  *sqlc.Queries
	Tokens   *auth.Tokens
	Auth     *auth.Authenticator
	Outbox   *jobs.Outbox
	Metrics  *httpapi.Metrics
	// ImageBudget is the one memory budget of all image work of the process.
	ImageBudget *images.Budget
	services

	closers []func()
	// draining is set when serve starts shutting down: readiness fails.
	draining atomic.Bool
}

// errDraining fails readiness while the server shuts down.
var errDraining = errors.New("shutting down")

// DirectPoolSize bounds the connections a process opens on
// DATABASE_DIRECT_URL: the worker's concurrency plus room for periodic jobs.
const DirectPoolSize = jobs.DefaultConcurrency + 2

// New connects to PostgreSQL and Redis and builds the shared services.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	opts := []db.Option{db.WithIdleInTxTimeout(cfg.DatabaseIdleInTxTimeout)}
	if cfg.DatabasePooler != "none" {
		opts = append(opts, db.ThroughPooler(cfg.DatabaseURL))
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, opts...)
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, DB: pool, DirectDB: pool, Queries: sqlc.New(pool), Outbox: jobs.NewOutbox(), Metrics: httpapi.NewMetrics(),
		ImageBudget: images.NewBudget(int64(cfg.ImageMemoryBudgetMiB)<<20, cfg.ImageBudgetWait)}
	a.closers = append(a.closers, pool.Close)
	if cfg.DatabaseDirectURL != cfg.DatabaseURL {
		// One connection per concurrent export run or periodic job.
		direct, err := db.Open(ctx, cfg.DatabaseDirectURL, db.MaxConns(DirectPoolSize))
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("direct connection (DATABASE_DIRECT_URL): %w", err)
		}
		a.DirectDB = direct
		a.closers = append(a.closers, direct.Close)
	}

	rc, conn, err := OpenRedis(ctx, cfg)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Redis, a.bg.redis = rc, conn
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

// Close releases everything in reverse order of creation.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// Handler builds the public HTTP surface: API, health, files, dashboard.
// /metrics is not on it: see MetricsHandler.
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
		"serving": httpapi.CheckFunc(func(context.Context) error {
			if a.draining.Load() {
				return errDraining
			}
			return nil
		}),
	}))
	mux.HandleFunc("/", httpapi.Fallback(mux))
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
