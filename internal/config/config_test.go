package config

import (
	"strings"
	"testing"
	"time"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := FromLookup(lookup(nil))
	if err != nil {
		t.Fatalf("defaults must load: %v", err)
	}
	if c.HTTPAddr != ":8000" || c.MailBackend != "console" || c.StorageBackend != "local" ||
		c.ExportRetentionDays != 7 || c.PermissionCacheTTL.String() != "1h0m0s" ||
		c.PublicMediaBaseURL != "http://localhost:8000/media" || !c.RequireEmailVerificationForLogin {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if len(c.CORSAllowedOrigins) != 1 || c.CORSAllowedOrigins[0] != "http://localhost:3000" {
		t.Fatalf("CORS defaults to FRONTEND_URL, got %v", c.CORSAllowedOrigins)
	}
}

func TestEachBadVariableGivesOneLine(t *testing.T) {
	cases := map[string]string{
		"APP_ENV":                     "staging",
		"DATABASE_URL":                "mysql://x",
		"REDIS_URL":                   "not a url",
		"SMTP_PORT":                   "70000",
		"SMTP_TLS":                    "ssl",
		"STORAGE_BACKEND":             "ftp",
		"EXPORT_RETENTION_DAYS":       "zero",
		"PERMISSION_CACHE_TTL":        "an hour",
		"RATELIMIT_ENABLED":           "maybe",
		"DASHBOARD_BASIC_AUTH":        "nocolon",
		"JWT_SIGNING_KEYS":            "short",
		"DATABASE_DIRECT_URL":         "mysql://x",
		"DATABASE_POOLER":             "pgpool",
		"REDIS_SENTINEL_ADDRS":        "127.0.0.1",
		"SHUTDOWN_DRAIN_DELAY":        "2h",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318",
		"ADMIN_ENABLED":               "perhaps",
		"ADMIN_SESSION_IDLE":          "10s",
		"PERIODIC_JOB_SCHEDULES":      "outbox-prune=every day",

		"RATELIMIT_INVITATIONS_PER_USER":           "20",
		"RATELIMIT_INVITATIONS_PER_ORG":            "0/h",
		"RATELIMIT_INVITATIONS_PER_RECIPIENT":      "3/week",
		"RATELIMIT_ORG_CREATE_PER_USER":            "ten/h",
		"RATELIMIT_EXPORTS_PER_USER":               "-1/m",
		"RATELIMIT_RESET_MAILS_PER_RECIPIENT_HOUR": "0",
	}
	for name, val := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := FromLookup(lookup(map[string]string{name: val}))
			probs, ok := err.(Problems)
			if !ok || len(probs) != 1 {
				t.Fatalf("want exactly one problem, got %v", err)
			}
			if !strings.HasPrefix(probs[0], name+":") {
				t.Fatalf("problem should name %s: %q", name, probs[0])
			}
			if strings.Contains(probs[0], val) && len(val) > 4 {
				t.Fatalf("problem must not echo the value: %q", probs[0])
			}
		})
	}
}

func TestPoolerNeedsDirectURL(t *testing.T) {
	_, err := FromLookup(lookup(map[string]string{"DATABASE_POOLER": "pgbouncer"}))
	if probs, ok := err.(Problems); !ok || len(probs) != 1 || !strings.HasPrefix(probs[0], "DATABASE_DIRECT_URL:") {
		t.Fatalf("pgbouncer without a direct URL: want one DATABASE_DIRECT_URL problem, got %v", err)
	}
	c, err := FromLookup(lookup(map[string]string{"DATABASE_POOLER": "pgbouncer",
		"DATABASE_URL": "postgres://u@127.0.0.1:6432/d", "DATABASE_DIRECT_URL": "postgres://u@127.0.0.1:5432/d"}))
	if err != nil || c.DatabaseDirectURL != "postgres://u@127.0.0.1:5432/d" {
		t.Fatalf("pooler with direct URL: %v %+v", err, c)
	}
	if c, _ := FromLookup(lookup(nil)); c.DatabaseDirectURL != c.DatabaseURL || c.DatabasePooler != "none" {
		t.Fatalf("DATABASE_DIRECT_URL defaults to DATABASE_URL, pooler to none: %+v", c)
	}
}

func TestProductionRefusesDevelopmentSecrets(t *testing.T) {
	_, err := FromLookup(lookup(map[string]string{"APP_ENV": "production"}))
	probs, ok := err.(Problems)
	if !ok {
		t.Fatalf("production with defaults must fail, got %v", err)
	}
	joined := probs.Error()
	for _, want := range []string{"SECRET_KEY", "JWT_SIGNING_KEYS", "MAIL_BACKEND", "MAIL_FROM", "PUBLIC_BASE_URL"} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing problem for %s in:\n%s", want, joined)
		}
	}
}

func TestProductionAcceptsRealSettings(t *testing.T) {
	c, err := FromLookup(lookup(map[string]string{
		"APP_ENV":          "production",
		"SECRET_KEY":       strings.Repeat("s", 40),
		"JWT_SIGNING_KEYS": strings.Repeat("k", 40) + "," + strings.Repeat("o", 40),
		"MAIL_BACKEND":     "smtp", "SMTP_HOST": "smtp.example.com", "MAIL_FROM": "no-reply@example.com",
		"STORAGE_BACKEND": "s3", "S3_ENDPOINT": "s3.example.com", "S3_BUCKET": "b", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "s",
		"PUBLIC_BASE_URL": "https://api.example.com", "FRONTEND_URL": "https://app.example.com",
	}))
	if err != nil {
		t.Fatalf("valid production config refused: %v", err)
	}
	if !c.BrowserCookieSecure || !c.AdminCookieSecure || len(c.JWTSigningKeys) != 2 {
		t.Fatalf("production must force secure cookies and keep both keys: %+v", c)
	}
}

func TestAbuseLimitRates(t *testing.T) {
	c, err := FromLookup(lookup(map[string]string{"RATELIMIT_INVITATIONS_PER_RECIPIENT": "5/h"}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Rate{
		"invitations per user":      {20, time.Hour},
		"invitations per org":       {50, time.Hour},
		"invitations per recipient": {5, time.Hour},
		"org creation per user":     {10, time.Hour},
		"exports per user":          {10, time.Hour},
	}
	got := map[string]Rate{
		"invitations per user":      c.InvitationRatePerUser,
		"invitations per org":       c.InvitationRatePerOrg,
		"invitations per recipient": c.InvitationRatePerRecipient,
		"org creation per user":     c.OrgCreateRatePerUser,
		"exports per user":          c.ExportRatePerUser,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %+v, want %+v", k, got[k], w)
		}
	}
	if d, _ := FromLookup(lookup(nil)); d.InvitationRatePerRecipient != (Rate{3, 24 * time.Hour}) {
		t.Errorf("recipient default %+v, want 3/d", d.InvitationRatePerRecipient)
	}
}

func TestImageBudgetAndIdleInTxSettings(t *testing.T) {
	c, err := FromLookup(lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.ImageMemoryBudgetMiB != 768 || c.ImageBudgetWait.String() != "10s" || c.DatabaseIdleInTxTimeout.String() != "30s" {
		t.Errorf("defaults: budget %d MiB, wait %s, idle in tx %s", c.ImageMemoryBudgetMiB, c.ImageBudgetWait, c.DatabaseIdleInTxTimeout)
	}
	if c, err := FromLookup(lookup(map[string]string{"DATABASE_IDLE_IN_TX_TIMEOUT": "0s"})); err != nil || c.DatabaseIdleInTxTimeout != 0 {
		t.Errorf("0 turns the timeout off: %v", err)
	}
	for k, v := range map[string]string{
		"IMAGE_MEMORY_BUDGET_MIB":     "10",
		"IMAGE_BUDGET_WAIT":           "0s",
		"DATABASE_IDLE_IN_TX_TIMEOUT": "-1s",
	} {
		_, err := FromLookup(lookup(map[string]string{k: v}))
		if err == nil || !strings.HasPrefix(err.Error(), k+":") {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}

func TestMetricsAddrDefaultsToLoopbackAndEmptyDisables(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "127.0.0.1:9090"},
		{map[string]string{"METRICS_ADDR": ""}, ""},
		{map[string]string{"METRICS_ADDR": " 127.0.0.1:0 "}, "127.0.0.1:0"},
	} {
		cfg, err := FromLookup(lookup(c.env))
		if err != nil {
			t.Fatalf("%v: %v", c.env, err)
		}
		if cfg.MetricsAddr != c.want {
			t.Errorf("%v: MetricsAddr %q, want %q", c.env, cfg.MetricsAddr, c.want)
		}
	}
	if _, err := FromLookup(lookup(map[string]string{"METRICS_ADDR": "9090"})); err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
		t.Errorf("METRICS_ADDR=9090: %v, want a METRICS_ADDR problem", err)
	}
}

func TestAdminConsoleSettings(t *testing.T) {
	c, err := FromLookup(lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.AdminEnabled || c.AdminSessionIdle != 30*time.Minute || c.AdminCookieSecure {
		t.Fatalf("development defaults: enabled, 30m idle, cookies not Secure; got %v %v %v", c.AdminEnabled, c.AdminSessionIdle, c.AdminCookieSecure)
	}
	c, err = FromLookup(lookup(map[string]string{"APP_ENV": "test", "ADMIN_ENABLED": "false", "ADMIN_SESSION_IDLE": "5m"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.AdminEnabled || c.AdminSessionIdle != 5*time.Minute || !c.AdminCookieSecure {
		t.Fatalf("outside development the cookies are Secure; got %v %v %v", c.AdminEnabled, c.AdminSessionIdle, c.AdminCookieSecure)
	}
}

func TestPeriodicJobSchedules(t *testing.T) {
	c, err := FromLookup(lookup(nil))
	if err != nil || len(c.PeriodicJobSchedules) != 0 {
		t.Fatalf("unset: no override; got %v %v", c.PeriodicJobSchedules, err)
	}
	c, err = FromLookup(lookup(map[string]string{"PERIODIC_JOB_SCHEDULES": " recover-stale-exports = @every 10s ; outbox-prune=0 3,15 * * *; "}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.PeriodicJobSchedules) != 2 || c.PeriodicJobSchedules["recover-stale-exports"] != "@every 10s" || c.PeriodicJobSchedules["outbox-prune"] != "0 3,15 * * *" {
		t.Fatalf("parsed %q", c.PeriodicJobSchedules)
	}
	for val, want := range map[string]string{
		"outbox-prune":                             "want job=spec pairs",
		"Outbox Prune=@daily":                      "want job=spec pairs",
		"outbox-prune=@daily;outbox-prune=@hourly": "outbox-prune is given twice",
		"outbox-prune=* * *":                       "outbox-prune: \"* * *\" is not a cron spec",
	} {
		_, err := FromLookup(lookup(map[string]string{"PERIODIC_JOB_SCHEDULES": val}))
		probs, ok := err.(Problems)
		if !ok || len(probs) != 1 || !strings.HasPrefix(probs[0], "PERIODIC_JOB_SCHEDULES: ") || !strings.Contains(probs[0], want) {
			t.Errorf("%q: %v, want one problem saying %q", val, err, want)
		}
	}
}
