// Package config owns the process configuration: every environment variable of
// the product, its default, its type and its validation.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
	"github.com/robfig/cron/v3"
)

// Development defaults that production must never run with.
const (
	DevSecretKey  = "dev-insecure-secret-key-change-me"
	DevJWTKey     = "dev-insecure-jwt-signing-key-change-me"
	minSecretSize = 32
)

// DefaultMetricsAddr keeps /metrics on the loopback interface: its series
// (routes, queue depth, outbox backlog) are for operators, not clients.
const DefaultMetricsAddr = "127.0.0.1:9090"

// Config is the whole configuration of one process.
type Config struct {
	Env      string // development | test | production
	HTTPAddr string
	// MetricsAddr is the listener of /metrics, apart from the public API;
	// empty disables it.
	MetricsAddr string
	// OTLPEndpoint turns tracing on: spans are exported over OTLP/HTTP to
	// this collector (OTEL_EXPORTER_OTLP_ENDPOINT); empty: off.
	OTLPEndpoint  string
	ServiceName   string // OTEL_SERVICE_NAME: the service.name of the spans
	DatabaseURL   string
	RedisURL      string
	PublicBaseURL string

	// DatabaseDirectURL reaches PostgreSQL without a transaction pooler: the
	// session advisory locks, LISTEN and migrations need a session of their
	// own. Defaults to DatabaseURL.
	DatabaseDirectURL string
	// DatabasePooler is "none" or "pgbouncer" (transaction pooling: no
	// prepared statements, no per-session settings on DatabaseURL).
	DatabasePooler string

	// RedisSentinelAddrs, when set, finds the Redis primary through these
	// Sentinels (host:port) under RedisSentinelMaster; REDIS_URL then only
	// gives the data nodes' password, database and TLS.
	RedisSentinelAddrs    []string
	RedisSentinelMaster   string
	RedisSentinelPassword string
	FrontendURL           string
	ProjectName           string
	LogLevel              string

	SecretKey      string
	JWTSigningKeys []string // first signs, all verify
	JWTIssuer      string
	JWTAudience    string

	MailBackend  string // console | smtp
	MailFrom     string
	SMTPHost     string
	SMTPPort     int
	SMTPUsername string
	SMTPPassword string
	SMTPTLS      string // none | starttls | tls

	StorageBackend     string // local | s3
	StorageDir         string
	S3Endpoint         string
	S3Region           string
	S3Bucket           string
	S3PublicBucket     string
	S3AccessKey        string
	S3SecretKey        string
	S3UseSSL           bool
	PublicMediaBaseURL string

	RequireEmailVerificationForLogin bool
	RateLimitEnabled                 bool
	ExportRetentionDays              int
	ExportStaleAfter                 time.Duration
	PermissionCacheTTL               time.Duration
	// WorkerConcurrency is how many tasks a worker runs at once.
	WorkerConcurrency int
	// TaskLease: a running task's lease, renewed every third of it; a
	// task whose worker died is handed over about this long after.
	TaskLease time.Duration
	// RelayTimeout: an unfinished task nothing was heard of this long is
	// relayed again (losses neither a lease nor the Redis watch saw).
	RelayTimeout time.Duration
	// ShutdownDrainDelay: on SIGTERM, serve answers /health/ready/ 503 and
	// keeps serving this long before it stops accepting, so a balancer
	// stops routing to it first.
	ShutdownDrainDelay  time.Duration
	DashboardBasicAuth  string
	TrustedProxies      []string
	CORSAllowedOrigins  []string
	BrowserCookieSecure bool

	// AdminEnabled serves the admin console at /admin/ (ADMIN_ENABLED).
	AdminEnabled bool
	// AdminSessionIdle ends a console session unused this long.
	AdminSessionIdle time.Duration
	// AdminCookieSecure marks the console's cookies Secure: on outside
	// development, forced on in production.
	AdminCookieSecure bool

	// Abuse limits of the org and export routes ("N/s|m|h|d").
	InvitationRatePerUser      Rate // RATELIMIT_INVITATIONS_PER_USER
	InvitationRatePerOrg       Rate // RATELIMIT_INVITATIONS_PER_ORG
	InvitationRatePerRecipient Rate // RATELIMIT_INVITATIONS_PER_RECIPIENT
	OrgCreateRatePerUser       Rate // RATELIMIT_ORG_CREATE_PER_USER
	ExportRatePerUser          Rate // RATELIMIT_EXPORTS_PER_USER

	// Per-recipient hourly caps on the mails a request sends to an address
	// it names (registration and resend-verification, password reset, email
	// change), whoever asks.
	RegistrationMailsPerRecipientHour int
	ResetMailsPerRecipientHour        int
	EmailChangeMailsPerRecipientHour  int

	// DatabaseIdleInTxTimeout is idle_in_transaction_session_timeout of
	// every pooled session (0: the server's own setting).
	DatabaseIdleInTxTimeout time.Duration
	// ImageMemoryBudgetMiB bounds the memory of all image work of the
	// process; ImageBudgetWait is how long a request waits for its share
	// before a 503.
	ImageMemoryBudgetMiB int
	ImageBudgetWait      time.Duration

	// PeriodicJobSchedules overrides the schedule of periodic jobs: job name
	// → cron spec (PERIODIC_JOB_SCHEDULES). The app refuses a name that no
	// job has.
	PeriodicJobSchedules map[string]string

	// PasswordHashMemoryKiB and friends are the argon2id parameters.
	PasswordHashMemoryKiB uint32
	PasswordHashTime      uint32
	PasswordHashThreads   uint8
}

// IsProduction reports whether the process runs with APP_ENV=production.
func (c *Config) IsProduction() bool { return c.Env == "production" }

// Problems is every configuration problem found, one per line.
type Problems []string

func (p Problems) Error() string { return strings.Join(p, "\n") }

// Load reads the environment (and a .env file when present) and validates it.
// The returned error is a Problems value listing every problem found.
func Load() (*Config, error) {
	if _, err := os.Stat(".env"); err == nil {
		if err := godotenv.Load(".env"); err != nil {
			return nil, Problems{fmt.Sprintf(".env: %v", err)}
		}
	}
	return FromLookup(os.LookupEnv)
}

// FromLookup builds the configuration from a lookup function; tests pass a map.
func FromLookup(lookup func(string) (string, bool)) (*Config, error) {
	r := reader{lookup: lookup}
	c := &Config{
		Env:           r.oneOf("APP_ENV", "development", "development", "test", "production"),
		HTTPAddr:      r.str("HTTP_ADDR", ":8000"),
		MetricsAddr:   r.optional("METRICS_ADDR", DefaultMetricsAddr),
		OTLPEndpoint:  strings.TrimRight(r.optional("OTEL_EXPORTER_OTLP_ENDPOINT", ""), "/"),
		ServiceName:   r.str("OTEL_SERVICE_NAME", "apistarter"),
		DatabaseURL:   r.url("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/apistarter?sslmode=disable", "postgres", "postgresql"),
		RedisURL:      r.url("REDIS_URL", "redis://127.0.0.1:6379/0", "redis", "rediss"),
		PublicBaseURL: strings.TrimRight(r.url("PUBLIC_BASE_URL", "http://localhost:8000", "http", "https"), "/"),
		FrontendURL:   strings.TrimRight(r.url("FRONTEND_URL", "http://localhost:3000", "http", "https"), "/"),
		ProjectName:   r.str("PROJECT_NAME", "apistarter"),
		LogLevel:      r.oneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error"),

		SecretKey:      r.str("SECRET_KEY", DevSecretKey),
		JWTSigningKeys: r.list("JWT_SIGNING_KEYS", DevJWTKey),
		JWTIssuer:      r.str("JWT_ISSUER", "apistarter"),
		JWTAudience:    r.str("JWT_AUDIENCE", "apistarter-api"),

		MailBackend:  r.oneOf("MAIL_BACKEND", "console", "console", "smtp"),
		MailFrom:     r.str("MAIL_FROM", "webmaster@localhost"),
		SMTPHost:     r.str("SMTP_HOST", ""),
		SMTPPort:     r.intRange("SMTP_PORT", 587, 1, 65535),
		SMTPUsername: r.str("SMTP_USERNAME", ""),
		SMTPPassword: r.str("SMTP_PASSWORD", ""),
		SMTPTLS:      r.oneOf("SMTP_TLS", "starttls", "none", "starttls", "tls"),

		StorageBackend: r.oneOf("STORAGE_BACKEND", "local", "local", "s3"),
		StorageDir:     r.str("STORAGE_DIR", "./var/storage"),
		S3Endpoint:     r.str("S3_ENDPOINT", ""),
		S3Region:       r.str("S3_REGION", "us-east-1"),
		S3Bucket:       r.str("S3_BUCKET", ""),
		S3PublicBucket: r.str("S3_PUBLIC_BUCKET", ""),
		S3AccessKey:    r.str("S3_ACCESS_KEY", ""),
		S3SecretKey:    r.str("S3_SECRET_KEY", ""),
		S3UseSSL:       r.boolean("S3_USE_SSL", true),

		RequireEmailVerificationForLogin: r.boolean("REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN", true),
		RateLimitEnabled:                 r.boolean("RATELIMIT_ENABLED", true),
		ExportRetentionDays:              r.intRange("EXPORT_RETENTION_DAYS", 7, 1, 3650),
		ExportStaleAfter:                 r.duration("EXPORT_STALE_AFTER", 35*time.Minute),
		PermissionCacheTTL:               r.duration("PERMISSION_CACHE_TTL", time.Hour),
		WorkerConcurrency:                r.intRange("WORKER_CONCURRENCY", 32, 1, 1000),
		TaskLease:                        r.duration("TASK_LEASE", 6*time.Second),
		RelayTimeout:                     r.duration("RELAY_TIMEOUT", 2*time.Minute),
		ShutdownDrainDelay:               r.duration("SHUTDOWN_DRAIN_DELAY", 0),
		DashboardBasicAuth:               r.str("DASHBOARD_BASIC_AUTH", ""),
		TrustedProxies:                   r.list("TRUSTED_PROXIES", ""),
		BrowserCookieSecure:              r.boolean("BROWSER_REFRESH_COOKIE_SECURE", false),
		AdminEnabled:                     r.boolean("ADMIN_ENABLED", true),
		AdminSessionIdle:                 r.duration("ADMIN_SESSION_IDLE", 30*time.Minute),

		InvitationRatePerUser:             r.rate("RATELIMIT_INVITATIONS_PER_USER", "20/h"),
		InvitationRatePerOrg:              r.rate("RATELIMIT_INVITATIONS_PER_ORG", "50/h"),
		InvitationRatePerRecipient:        r.rate("RATELIMIT_INVITATIONS_PER_RECIPIENT", "3/d"),
		OrgCreateRatePerUser:              r.rate("RATELIMIT_ORG_CREATE_PER_USER", "10/h"),
		ExportRatePerUser:                 r.rate("RATELIMIT_EXPORTS_PER_USER", "10/h"),
		RegistrationMailsPerRecipientHour: r.intRange("RATELIMIT_REGISTRATION_MAILS_PER_RECIPIENT_HOUR", 3, 1, 1000),
		ResetMailsPerRecipientHour:        r.intRange("RATELIMIT_RESET_MAILS_PER_RECIPIENT_HOUR", 3, 1, 1000),
		EmailChangeMailsPerRecipientHour:  r.intRange("RATELIMIT_EMAIL_CHANGE_MAILS_PER_RECIPIENT_HOUR", 3, 1, 1000),
		DatabaseIdleInTxTimeout:           r.duration("DATABASE_IDLE_IN_TX_TIMEOUT", 30*time.Second),
		ImageMemoryBudgetMiB:              r.intRange("IMAGE_MEMORY_BUDGET_MIB", 768, 64, 1<<20),
		ImageBudgetWait:                   r.duration("IMAGE_BUDGET_WAIT", 10*time.Second),

		PasswordHashMemoryKiB: uint32(r.intRange("PASSWORD_HASH_MEMORY_KIB", 19*1024, 1024, 1<<21)),
		PasswordHashTime:      uint32(r.intRange("PASSWORD_HASH_TIME", 2, 1, 20)),
		PasswordHashThreads:   uint8(r.intRange("PASSWORD_HASH_THREADS", 1, 1, 16)),
	}
	c.PublicMediaBaseURL = strings.TrimRight(r.str("PUBLIC_MEDIA_BASE_URL", c.PublicBaseURL+"/media"), "/")
	c.CORSAllowedOrigins = r.list("CORS_ALLOWED_ORIGINS", c.FrontendURL)
	c.DatabaseDirectURL = r.url("DATABASE_DIRECT_URL", c.DatabaseURL, "postgres", "postgresql")
	c.AdminCookieSecure = r.boolean("ADMIN_COOKIE_SECURE", c.Env != "development")
	if c.AdminSessionIdle < time.Minute || c.AdminSessionIdle > 24*time.Hour {
		r.problem("ADMIN_SESSION_IDLE: must be between 1m and 24h")
	}
	c.DatabasePooler = r.oneOf("DATABASE_POOLER", "none", "none", "pgbouncer")
	if c.DatabasePooler != "none" && r.str("DATABASE_DIRECT_URL", "") == "" {
		r.problem("DATABASE_DIRECT_URL: required when DATABASE_POOLER is set (session advisory locks, LISTEN and migrations need a direct connection)")
	}
	c.PeriodicJobSchedules = r.schedules("PERIODIC_JOB_SCHEDULES")
	c.RedisSentinelAddrs = r.list("REDIS_SENTINEL_ADDRS", "")
	c.RedisSentinelMaster = r.str("REDIS_SENTINEL_MASTER", "mymaster")
	c.RedisSentinelPassword = r.str("REDIS_SENTINEL_PASSWORD", "")
	for _, a := range c.RedisSentinelAddrs {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			r.problem("REDIS_SENTINEL_ADDRS: every address must be host:port")
			break
		}
	}

	for _, k := range c.JWTSigningKeys {
		if len(k) < 16 {
			r.problem("JWT_SIGNING_KEYS: every key must be at least 16 characters")
			break
		}
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			r.problem("METRICS_ADDR: must be host:port (e.g. 127.0.0.1:9090), or empty to disable metrics")
		}
	}
	if c.OTLPEndpoint != "" {
		if u, err := url.Parse(c.OTLPEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			r.problem("OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL of an OTLP/HTTP collector (e.g. http://127.0.0.1:4318), or empty to turn tracing off")
		}
	}
	if c.DashboardBasicAuth != "" && !strings.Contains(c.DashboardBasicAuth, ":") {
		r.problem("DASHBOARD_BASIC_AUTH: must be user:password")
	}
	if c.PermissionCacheTTL <= 0 {
		r.problem("PERMISSION_CACHE_TTL: must be positive")
	}
	if c.ShutdownDrainDelay < 0 || c.ShutdownDrainDelay > time.Minute {
		r.problem("SHUTDOWN_DRAIN_DELAY: must be between 0s and 1m")
	}
	if c.DatabaseIdleInTxTimeout < 0 {
		r.problem("DATABASE_IDLE_IN_TX_TIMEOUT: must be 0 (off) or positive")
	}
	if c.ImageBudgetWait <= 0 || c.ImageBudgetWait > 5*time.Minute {
		r.problem("IMAGE_BUDGET_WAIT: must be positive and at most 5m")
	}
	if c.ExportStaleAfter <= 0 {
		r.problem("EXPORT_STALE_AFTER: must be positive")
	}
	if c.TaskLease < time.Second || c.TaskLease > 10*time.Minute {
		r.problem("TASK_LEASE: must be between 1s and 10m")
	}
	if c.RelayTimeout < c.TaskLease || c.RelayTimeout > 24*time.Hour {
		r.problem("RELAY_TIMEOUT: must be at least TASK_LEASE and at most 24h")
	}
	if c.MailBackend == "smtp" && c.SMTPHost == "" {
		r.problem("SMTP_HOST: required when MAIL_BACKEND=smtp")
	}
	if c.StorageBackend == "s3" {
		for name, v := range map[string]string{"S3_ENDPOINT": c.S3Endpoint, "S3_BUCKET": c.S3Bucket, "S3_ACCESS_KEY": c.S3AccessKey, "S3_SECRET_KEY": c.S3SecretKey} {
			if v == "" {
				r.problem(name + ": required when STORAGE_BACKEND=s3")
			}
		}
	}
	if c.IsProduction() {
		c.productionChecks(&r)
	}
	if len(r.problems) > 0 {
		return nil, r.problems
	}
	return c, nil
}

func (c *Config) productionChecks(r *reader) {
	if c.SecretKey == DevSecretKey || len(c.SecretKey) < minSecretSize {
		r.problem(fmt.Sprintf("SECRET_KEY: production needs a random secret of at least %d characters, not the development default", minSecretSize))
	}
	for _, k := range c.JWTSigningKeys {
		if k == DevJWTKey || len(k) < minSecretSize {
			r.problem(fmt.Sprintf("JWT_SIGNING_KEYS: production needs random keys of at least %d characters, not the development default", minSecretSize))
			break
		}
		if k == c.SecretKey {
			r.problem("JWT_SIGNING_KEYS: must differ from SECRET_KEY")
			break
		}
	}
	if c.MailBackend != "smtp" {
		r.problem("MAIL_BACKEND: production must send real mail (smtp), not console")
	}
	if c.MailFrom == "webmaster@localhost" {
		r.problem("MAIL_FROM: set a real sender address for production")
	}
	if c.StorageBackend == "local" && !strings.HasPrefix(c.StorageDir, "/") {
		r.problem("STORAGE_DIR: production local storage needs an absolute path (or use STORAGE_BACKEND=s3)")
	}
	if strings.HasPrefix(c.PublicBaseURL, "http://localhost") || strings.HasPrefix(c.FrontendURL, "http://localhost") {
		r.problem("PUBLIC_BASE_URL/FRONTEND_URL: production needs the real public addresses, not localhost")
	}
	c.BrowserCookieSecure = true
	c.AdminCookieSecure = true
}

type reader struct {
	lookup   func(string) (string, bool)
	problems Problems
}

func (r *reader) problem(msg string) { r.problems = append(r.problems, msg) }

func (r *reader) str(name, def string) string {
	if v, ok := r.lookup(name); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

// optional is like str, except that a variable set to an empty value is
// kept empty (e.g. to disable a listener) rather than replaced by def.
func (r *reader) optional(name, def string) string {
	if v, ok := r.lookup(name); ok {
		return strings.TrimSpace(v)
	}
	return def
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(r.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.problem(fmt.Sprintf("%s: must be one of %s", name, strings.Join(allowed, ", ")))
	return def
}

func (r *reader) intRange(name string, def, lo, hi int) int {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		r.problem(fmt.Sprintf("%s: must be an integer between %d and %d", name, lo, hi))
		return def
	}
	return n
}

func (r *reader) boolean(name string, def bool) bool {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		r.problem(fmt.Sprintf("%s: must be true or false", name))
		return def
	}
	return b
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		r.problem(fmt.Sprintf("%s: must be a duration such as 30s, 5m or 1h", name))
		return def
	}
	return d
}

// Rate is Limit events per Period (the shape of ratelimit.Rate, which
// converts from it).
type Rate struct {
	Limit  int
	Period time.Duration
}

// ParseRate reads "N/s", "N/m", "N/h" or "N/d" with N at least 1.
func ParseRate(s string) (Rate, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	limit, err := strconv.Atoi(strings.TrimSpace(n))
	periods := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	p, known := periods[strings.ToLower(strings.TrimSpace(unit))]
	if !ok || err != nil || limit < 1 || limit > 1_000_000 || !known {
		return Rate{}, fmt.Errorf("rate %q: want N/s, N/m, N/h or N/d with N between 1 and 1000000", s)
	}
	return Rate{Limit: limit, Period: p}, nil
}

func (r *reader) rate(name, def string) Rate {
	v, err := ParseRate(r.str(name, def))
	if err != nil {
		r.problem(fmt.Sprintf("%s: must be a rate such as %s (N/s, N/m, N/h or N/d)", name, def))
		v, _ = ParseRate(def)
	}
	return v
}

// jobName is the shape of a periodic job's name (jobs.Periodic.Name).
var jobName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// schedules reads "job=spec;job=spec": ';' separates the pairs, since a
// cron spec holds spaces and commas ("0 3,15 * * *").
func (r *reader) schedules(name string) map[string]string {
	out := map[string]string{}
	for _, pair := range strings.Split(r.str(name, ""), ";") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		job, spec, ok := strings.Cut(pair, "=")
		job, spec = strings.TrimSpace(job), strings.TrimSpace(spec)
		switch {
		case !ok || !jobName.MatchString(job):
			r.problem(fmt.Sprintf("%s: want job=spec pairs separated by ';' (e.g. recover-stale-exports=@every 1m; outbox-prune=0 4 * * *), job names as in `apistarter jobs list`", name))
			continue
		case out[job] != "":
			r.problem(fmt.Sprintf("%s: %s is given twice", name, job))
			continue
		}
		if _, err := cron.ParseStandard(spec); err != nil {
			r.problem(fmt.Sprintf("%s: %s: %q is not a cron spec (five fields in UTC, @daily, @every 10m...): %v", name, job, spec, err))
			continue
		}
		out[job] = spec
	}
	return out
}

func (r *reader) list(name, def string) []string {
	var out []string
	for _, p := range strings.Split(r.str(name, def), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (r *reader) url(name, def string, schemes ...string) string {
	v := r.str(name, def)
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		r.problem(fmt.Sprintf("%s: not a valid URL", name))
		return def
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return v
		}
	}
	r.problem(fmt.Sprintf("%s: scheme must be one of %s", name, strings.Join(schemes, ", ")))
	return def
}

// ErrUsage marks command-line misuse (exit code 2).
var ErrUsage = errors.New("usage")
