package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"apistarter/internal/accounts"
	"apistarter/internal/auth"
	"apistarter/internal/config"
	"apistarter/internal/db"
	"apistarter/internal/httpapi"
	"apistarter/internal/jobs"
	"apistarter/internal/mail"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"
	"apistarter/internal/storage"
	"apistarter/internal/tracing"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
)

// This file turns the configuration into each component's settings, so New
// reads as the order in which things are built.

// databaseOptions are the main pool's: the idle-in-transaction timeout, and
// statement handling fit for PgBouncer when DATABASE_POOLER says one is
// in front. Statements are traced when tracing is on (their text, never
// their arguments) and by a test's counter.
func databaseOptions(cfg *config.Config, counter pgx.QueryTracer, tp trace.TracerProvider) []db.Option {
	opts := []db.Option{db.WithIdleInTxTimeout(cfg.DatabaseIdleInTxTimeout)}
	if cfg.DatabasePooler != "none" {
		opts = append(opts, db.ThroughPooler(cfg.DatabaseURL))
	}
	var tracers []pgx.QueryTracer
	if tp != nil {
		tracers = append(tracers, otelpgx.NewTracer(otelpgx.WithTracerProvider(tp)))
	}
	if counter != nil {
		tracers = append(tracers, counter)
	}
	switch len(tracers) {
	case 1:
		opts = append(opts, db.WithTracer(tracers[0]))
	case 2:
		opts = append(opts, db.WithTracer(multitracer.New(tracers...)))
	}
	return opts
}

// traceRedis adds client spans to rc's commands when tracing is on.
func traceRedis(rc *redis.Client, tp trace.TracerProvider) error {
	if tp == nil {
		return nil
	}
	if err := redisotel.InstrumentTracing(rc, redisotel.WithTracerProvider(tp)); err != nil {
		return fmt.Errorf("redis: tracing: %w", err)
	}
	return nil
}

// shutdownTracing flushes the spans still buffered, for a bounded time.
func shutdownTracing(tp *sdktrace.TracerProvider, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		log.Warn("tracing: shutdown", "error", err.Error())
	}
}

// storageConfig selects the backend from STORAGE_BACKEND, STORAGE_DIR, S3_*
// and the public URLs.
func storageConfig(c *config.Config, tp trace.TracerProvider) storage.Config {
	var s3Transport http.RoundTripper
	if tp != nil && c.StorageBackend == "s3" {
		// Client spans around every S3 request.
		s3Transport = otelhttp.NewTransport(http.DefaultTransport.(*http.Transport).Clone(), otelhttp.WithTracerProvider(tp))
	}
	return storage.Config{
		S3Transport:    s3Transport,
		Backend:        c.StorageBackend,
		Dir:            c.StorageDir,
		PublicBaseURL:  c.PublicBaseURL,
		MediaBaseURL:   c.PublicMediaBaseURL,
		SigningKey:     storageSigningKey(c.SecretKey),
		S3Endpoint:     c.S3Endpoint,
		S3Region:       c.S3Region,
		S3Bucket:       c.S3Bucket,
		S3PublicBucket: c.S3PublicBucket,
		S3AccessKey:    c.S3AccessKey,
		S3SecretKey:    c.S3SecretKey,
		S3UseSSL:       c.S3UseSSL,
	}
}

// storageSigningKey derives the link-signing key from SECRET_KEY, so the
// secret itself is never used as an HMAC key for another purpose.
func storageSigningKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("apistarter/storage/signed-links/v1"))
	return m.Sum(nil)
}

func passwordParams(c *config.Config) auth.PasswordParams {
	return auth.PasswordParams{MemoryKiB: c.PasswordHashMemoryKiB, Time: c.PasswordHashTime, Threads: c.PasswordHashThreads}
}

func accountSettings(c *config.Config) accounts.Settings {
	return accounts.Settings{
		FrontendURL: c.FrontendURL, ProjectName: c.ProjectName,
		RequireEmailVerification: c.RequireEmailVerificationForLogin,
		RecipientCaps: accounts.RecipientCaps{
			RegistrationPerHour: c.RegistrationMailsPerRecipientHour,
			ResetPerHour:        c.ResetMailsPerRecipientHour,
			EmailChangePerHour:  c.EmailChangeMailsPerRecipientHour,
		},
	}
}

// orgLimits are the invitation and org-creation rates, all on the shared
// limiter.
func orgLimits(c *config.Config, lim *ratelimit.Limiter) orgs.Limits {
	return orgs.Limits{
		Limiter:                 lim,
		InvitationsPerUser:      ratelimit.Rate(c.InvitationRatePerUser),
		InvitationsPerOrg:       ratelimit.Rate(c.InvitationRatePerOrg),
		InvitationsPerRecipient: ratelimit.Rate(c.InvitationRatePerRecipient),
		CreatePerUser:           ratelimit.Rate(c.OrgCreateRatePerUser),
	}
}

// newMailer builds the configured backend, console or SMTP, and what closes
// it. Sends are spans when tracing is on.
func newMailer(c *config.Config, log *slog.Logger, tp trace.TracerProvider) (mail.Mailer, func(), error) {
	m, closeMailer, err := backendMailer(c, log)
	if err != nil || tp == nil {
		return m, closeMailer, err
	}
	return mail.Traced(m, tp.Tracer(tracing.InstrumentationName)), closeMailer, nil
}

// backendMailer is the console mailer or SMTP, as MAIL_BACKEND says.
func backendMailer(c *config.Config, log *slog.Logger) (mail.Mailer, func(), error) {
	if c.MailBackend != "smtp" {
		// Development: full messages (with their links) go to files next to
		// the storage directory, never to the log.
		return mail.NewConsole(log).WithDir(filepath.Join(filepath.Dir(c.StorageDir), "mail")), func() {}, nil
	}
	m, err := mail.NewSMTP(mail.SMTPConfig{
		Host:     c.SMTPHost,
		Port:     c.SMTPPort,
		Username: c.SMTPUsername,
		Password: c.SMTPPassword,
		TLS:      c.SMTPTLS,
		From:     c.MailFrom,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("app: mail: %w", err)
	}
	return m, func() { _ = m.Close() }, nil
}

// messageIDDomain is the right-hand side of generated Message-IDs.
func messageIDDomain(base string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}

func registerAll(m *httpapi.Metrics, cs []prometheus.Collector) error {
	for _, c := range cs {
		if err := m.Registry.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// reschedule applies PERIODIC_JOB_SCHEDULES. config checked the specs; only
// the registry knows the job names, so a name no job has is reported here,
// as a configuration problem.
func reschedule(reg *jobs.Registry, overrides map[string]string) error {
	var probs config.Problems
	for _, name := range slices.Sorted(maps.Keys(overrides)) {
		err := reg.Reschedule(name, overrides[name])
		switch {
		case errors.Is(err, jobs.ErrUnknownJob):
			var known []string
			for _, p := range reg.Periodic() {
				known = append(known, p.Name)
			}
			probs = append(probs, fmt.Sprintf("PERIODIC_JOB_SCHEDULES: no periodic job is called %q (the jobs are: %s)", name, strings.Join(known, ", ")))
		case err != nil:
			probs = append(probs, "PERIODIC_JOB_SCHEDULES: "+err.Error())
		}
	}
	if len(probs) > 0 {
		return probs
	}
	return nil
}
