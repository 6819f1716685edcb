// Package app is the composition root: New builds every pool, client and
// service of a process once, in dependency order; Handler mounts the HTTP
// routes; the Run* methods run the API, worker and scheduler until their
// context ends.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"apistarter/internal/accounts"
	"apistarter/internal/auth"
	"apistarter/internal/avatars"
	"apistarter/internal/cleanup"
	"apistarter/internal/config"
	"apistarter/internal/contacts"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/exports"
	"apistarter/internal/httpapi"
	"apistarter/internal/images"
	"apistarter/internal/jobs"
	"apistarter/internal/mail"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"
	"apistarter/internal/storage"
	"apistarter/internal/tags"
	"apistarter/internal/tracing"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"
)

// Version is set at build time with -ldflags.
var Version = "dev"

// App holds every long-lived dependency of one process. The exported fields
// are what commands and tests reach for; everything is built by New.
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
	Storage     *storage.Buckets // private and public file namespaces
	Orgs        *orgs.Service
	Jobs        *jobs.Registry // task handlers and periodic jobs

	redisConn   jobs.RedisOpt // settings of every Redis user: Redis and asynq
	limiter     *ratelimit.Limiter
	accounts    *accounts.Service
	orgLimits   orgs.Limits // invitation and org-creation rates
	invitations *orgs.Invitations
	contacts    *contacts.Service
	tags        *tags.Service
	images      *images.Service
	avatars     *avatars.Service
	exports     *exports.Service
	jobMetrics  *jobs.Metrics
	inspector   *asynq.Inspector // reads and retries queued tasks

	// tracerProvider is nil when tracing is off.
	tracerProvider trace.TracerProvider

	closers []func()
	// draining is set when serve starts shutting down: readiness fails.
	draining atomic.Bool
}

// errDraining fails readiness while the server shuts down.
var errDraining = errors.New("shutting down")

// DirectPoolSize bounds the connections a process opens on
// DATABASE_DIRECT_URL: the worker's concurrency plus room for periodic jobs.
const DirectPoolSize = jobs.DefaultConcurrency + 2

// Option adjusts how New builds the app.
type Option func(*options)

type options struct {
	queryTracer    pgx.QueryTracer
	tracerProvider trace.TracerProvider
}

// WithQueryTracer traces every statement of the main pool (tests count the
// statements a request sends).
func WithQueryTracer(t pgx.QueryTracer) Option { return func(o *options) { o.queryTracer = t } }

// WithTracerProvider sends the spans to tp instead of the exporter that
// OTEL_EXPORTER_OTLP_ENDPOINT configures (tests record them in memory).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracerProvider = tp }
}

// New connects to PostgreSQL and Redis and builds every service, the task
// registry and the metrics, so that serve, worker, scheduler and the
// commands all see the same handlers and periodic jobs. On error what was
// opened is closed again.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts ...Option) (_ *App, err error) {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	a := &App{Cfg: cfg, Log: log, Metrics: httpapi.NewMetrics(), Outbox: jobs.NewOutbox()}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	// Tracing first: the pools and clients built next report spans to it.
	if a.tracerProvider = o.tracerProvider; a.tracerProvider == nil {
		sdk, err := tracing.Setup(ctx, cfg.OTLPEndpoint, cfg.ServiceName)
		if err != nil {
			return nil, err
		}
		if sdk != nil {
			a.tracerProvider = sdk
			a.closers = append(a.closers, func() { shutdownTracing(sdk, log) })
		}
	}

	// Connections.
	if a.DB, err = db.Open(ctx, cfg.DatabaseURL, databaseOptions(cfg, o.queryTracer, a.tracerProvider)...); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.DB.Close)
	a.DirectDB = a.DB
	if cfg.DatabaseDirectURL != cfg.DatabaseURL {
		// One connection per concurrent export run or periodic job.
		if a.DirectDB, err = db.Open(ctx, cfg.DatabaseDirectURL, db.MaxConns(DirectPoolSize)); err != nil {
			return nil, fmt.Errorf("direct connection (DATABASE_DIRECT_URL): %w", err)
		}
		a.closers = append(a.closers, a.DirectDB.Close)
	}
	a.Queries = sqlc.New(a.DB)
	if a.Redis, a.redisConn, err = OpenRedis(ctx, cfg); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { _ = a.Redis.Close() })
	if err := traceRedis(a.Redis, a.tracerProvider); err != nil {
		return nil, err
	}

	// Pieces every feature shares.
	templates, err := mail.NewTemplates()
	if err != nil {
		return nil, err
	}
	a.ImageBudget = images.NewBudget(int64(cfg.ImageMemoryBudgetMiB)<<20, cfg.ImageBudgetWait)
	if a.Storage, err = storage.New(storageConfig(cfg, a.tracerProvider)); err != nil {
		return nil, fmt.Errorf("app: storage: %w", err)
	}
	a.limiter, err = ratelimit.New(ratelimit.Options{
		Enabled: cfg.RateLimitEnabled, Redis: a.Redis, TrustedProxies: cfg.TrustedProxies, Log: log,
	})
	if err != nil {
		return nil, err
	}
	if err := registerAll(a.Metrics, a.limiter.Collectors()); err != nil {
		return nil, fmt.Errorf("ratelimit: metrics: %w", err)
	}
	if a.Tokens, err = auth.NewTokens(cfg.JWTSigningKeys, cfg.JWTIssuer, cfg.JWTAudience); err != nil {
		return nil, err
	}

	// Organizations and the authentication that resolves their scope.
	a.Orgs = orgs.NewService(a.DB, a.Redis, a.Outbox, log, cfg.PermissionCacheTTL)
	a.Auth = auth.NewAuthenticator(a.Tokens, a.Queries)
	a.Auth.UseScopeCache(a.Orgs.PermissionCache())
	// GET /users/me answers with the profile of the user row the
	// authentication reads anyway.
	a.Auth.LoadProfileFor("users-me")
	if err := registerAll(a.Metrics, a.Orgs.PermissionCache().Collectors()); err != nil {
		return nil, fmt.Errorf("orgs: metrics: %w", err)
	}
	a.orgLimits = orgLimits(cfg, a.limiter)
	a.invitations = orgs.NewInvitations(a.Orgs, templates, cfg.FrontendURL, cfg.ProjectName, a.orgLimits)

	// Feature services.
	a.accounts = accounts.NewService(accounts.Deps{
		Pool:      a.DB,
		Tokens:    a.Tokens,
		Hasher:    auth.NewHasher(passwordParams(cfg)),
		Orgs:      a.Orgs,
		Outbox:    a.Outbox,
		Templates: templates,
		Settings:  accountSettings(cfg),
		Limiter:   a.limiter,
		Log:       log,
	})
	a.contacts = contacts.NewService(a.DB, a.Storage.PublicURL)
	a.tags = tags.NewService(a.DB)
	a.images = images.NewService(a.DB, a.Storage, a.Outbox, images.WithBudget(a.ImageBudget))
	a.avatars = avatars.NewService(a.DB, a.Storage, a.Outbox, avatars.WithBudget(a.ImageBudget))
	a.exports, err = exports.NewService(exports.Deps{
		Pool:          a.DB,
		LockPool:      a.DirectDB,
		Outbox:        a.Outbox,
		Private:       a.Storage.Private,
		Public:        a.Storage.Public,
		Mail:          templates,
		Log:           log.With("component", "exports"),
		Project:       cfg.ProjectName,
		RetentionDays: cfg.ExportRetentionDays,
		StaleAfter:    cfg.ExportStaleAfter,
	})
	if err != nil {
		return nil, fmt.Errorf("app: exports: %w", err)
	}
	cleaner, err := cleanup.NewService(cleanup.Deps{
		Pool:    a.DB,
		Private: a.Storage.Private,
		Public:  a.Storage.Public,
		Log:     log.With("component", "cleanup"),
	})
	if err != nil {
		return nil, fmt.Errorf("app: cleanup: %w", err)
	}

	// Background work: one registry of task handlers and periodic jobs.
	mailer, closeMailer, err := newMailer(cfg, log, a.tracerProvider)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, closeMailer)
	a.Jobs = jobs.NewRegistry()
	a.Jobs.Handle(jobs.TaskEmail, jobs.SendEmail(mailer, messageIDDomain(cfg.PublicBaseURL)))
	a.Jobs.AddPeriodic(jobs.OutboxPrune(a.DB))
	a.exports.Register(a.Jobs)
	cleaner.Register(a.Jobs)
	if err := reschedule(a.Jobs, cfg.PeriodicJobSchedules); err != nil {
		return nil, err
	}

	// Queue metrics.
	a.jobMetrics = jobs.NewMetrics(a.Metrics.Registry)
	a.inspector = asynq.NewInspector(a.redisConn)
	a.closers = append(a.closers, func() { _ = a.inspector.Close() })
	a.Metrics.Registry.MustRegister(jobs.NewStatusCollector(a.inspector,
		func(ctx context.Context) error { return a.Redis.Ping(ctx).Err() }, a.DB))
	return a, nil
}

// Close releases everything in reverse order of creation.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// ExportsService is the export service (tests run exports synchronously).
func (a *App) ExportsService() *exports.Service { return a.exports }
