package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"

	"apistarter/internal/accounts"
	"apistarter/internal/auth"
	"apistarter/internal/config"
	"apistarter/internal/db"
	"apistarter/internal/httpapi"
	"apistarter/internal/mail"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"
	"apistarter/internal/storage"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
)

// This file turns the configuration into each component's settings, so New
// reads as the order in which things are built.

// databaseOptions are the main pool's: the idle-in-transaction timeout, and
// statement handling fit for PgBouncer when DATABASE_POOLER says one is
// in front.
func databaseOptions(cfg *config.Config, tracer pgx.QueryTracer) []db.Option {
	opts := []db.Option{db.WithIdleInTxTimeout(cfg.DatabaseIdleInTxTimeout)}
	if cfg.DatabasePooler != "none" {
		opts = append(opts, db.ThroughPooler(cfg.DatabaseURL))
	}
	if tracer != nil {
		opts = append(opts, db.WithTracer(tracer))
	}
	return opts
}

// storageConfig selects the backend from STORAGE_BACKEND, STORAGE_DIR, S3_*
// and the public URLs.
func storageConfig(c *config.Config) storage.Config {
	return storage.Config{
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
// it.
func newMailer(c *config.Config, log *slog.Logger) (mail.Mailer, func(), error) {
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
