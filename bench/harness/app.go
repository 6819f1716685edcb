package harness

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"apistarter/internal/config"
)

// App is the environment of the apistarter processes of one run: every
// process (serve, workers) gets the same variables, so links signed by the
// API resolve and the worker mails the same base URL.
type App struct {
	Bin         string // path of the apistarter binary
	Dir         string // working directory; storage lives in Dir/storage
	LogDir      string // process logs
	DatabaseURL string
	RedisURL    string
	SMTPPort    int
	HTTPPort    int
	// Extra overrides or adds variables (e.g. RATELIMIT_ENABLED=true).
	Extra map[string]string
	// CommandExtra overrides Extra for the processes of one command
	// ("worker": {"LOG_LEVEL": "info"}).
	CommandExtra map[string]map[string]string
}

// Keys known to the harness, so it can mint tokens and hash passwords
// exactly as the processes do.
const (
	JWTKey    = "bench-jwt-signing-key-0123456789abcdef"
	SecretKey = "bench-secret-key-0123456789abcdef-xyz"
)

// BaseURL is the API's address, e.g. http://127.0.0.1:43210.
func (a *App) BaseURL() string { return "http://127.0.0.1:" + strconv.Itoa(a.HTTPPort) }

// Vars is the full environment of the processes.
func (a *App) Vars() map[string]string {
	v := map[string]string{
		"APP_ENV":   "development",
		"LOG_LEVEL": "warn",
		"HTTP_ADDR": "127.0.0.1:" + strconv.Itoa(a.HTTPPort),
		// Several processes share these variables: none binds the metrics
		// port (the harness reads no metrics).
		"METRICS_ADDR":                         "",
		"PUBLIC_BASE_URL":                      a.BaseURL(),
		"FRONTEND_URL":                         "http://127.0.0.1:3000",
		"DATABASE_URL":                         a.DatabaseURL,
		"REDIS_URL":                            a.RedisURL,
		"SECRET_KEY":                           SecretKey,
		"JWT_SIGNING_KEYS":                     JWTKey,
		"STORAGE_BACKEND":                      "local",
		"STORAGE_DIR":                          filepath.Join(a.Dir, "storage"),
		"MAIL_BACKEND":                         "smtp",
		"MAIL_FROM":                            "bench@example.com",
		"SMTP_HOST":                            "127.0.0.1",
		"SMTP_PORT":                            strconv.Itoa(a.SMTPPort),
		"SMTP_TLS":                             "none",
		"RATELIMIT_ENABLED":                    "false",
		"REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN": "false",
	}
	maps.Copy(v, a.Extra)
	return v
}

// LiftLoadLimits turns the rate limits on, except those the harness's own
// invitations and exports would hit: they are its load, not abuse.
func (a *App) LiftLoadLimits() {
	a.Extra["RATELIMIT_ENABLED"] = "true"
	for _, k := range []string{"INVITATIONS_PER_USER", "INVITATIONS_PER_ORG", "INVITATIONS_PER_RECIPIENT", "EXPORTS_PER_USER"} {
		a.Extra["RATELIMIT_"+k] = "1000000/h"
	}
}

// environ is the environment of a command's processes; port, when not 0,
// is a serve process's own.
func (a *App) environ(command string, port int) []string {
	v := a.Vars()
	maps.Copy(v, a.CommandExtra[command])
	if port != 0 {
		v["HTTP_ADDR"] = "127.0.0.1:" + strconv.Itoa(port)
	}
	out := make([]string, 0, len(v))
	for _, k := range slices.Sorted(maps.Keys(v)) {
		out = append(out, k+"="+v[k])
	}
	return out
}

// Config is the configuration the processes load, for the harness's own
// use (password hashing parameters, token keys).
func (a *App) Config() (*config.Config, error) {
	v := a.Vars()
	return config.FromLookup(func(k string) (string, bool) { s, ok := v[k]; return s, ok })
}

// Migrate applies the migrations with `apistarter migrate up`.
func (a *App) Migrate(ctx context.Context) error {
	_, err := Run(ctx, a.environ("migrate", 0), a.Dir, a.Bin, "migrate", "up")
	return err
}

// JobNames are the periodic jobs of the binary, as `apistarter jobs list`
// prints them.
func (a *App) JobNames(ctx context.Context) ([]string, error) {
	out, err := Run(ctx, a.environ("jobs", 0), a.Dir, a.Bin, "jobs", "list")
	if err != nil {
		return nil, err
	}
	var names []string
	table := false
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || strings.HasPrefix(line, "{"): // a log line
		case fields[0] == "NAME":
			table = true
		case table:
			names = append(names, fields[0])
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("harness: jobs list printed no job:\n%s", out)
	}
	return names, nil
}

// Start starts an apistarter command (serve, worker, scheduler) as the
// process name; port is a serve process's own (0: the App's). A serve
// process has started when /health/ready/ answers 200.
func (a *App) Start(ctx context.Context, name, command string, port int) (*Proc, error) {
	p, err := StartProc(name, a.Bin, []string{command}, a.environ(command, port), a.Dir, a.LogDir)
	if err != nil {
		return nil, err
	}
	if command == "serve" {
		if port == 0 {
			port = a.HTTPPort
		}
		if err := WaitHTTP(ctx, "http://127.0.0.1:"+strconv.Itoa(port)+"/health/ready/", p, 60*time.Second); err != nil {
			_ = p.Kill()
			return nil, err
		}
		return p, nil
	}
	// A process that cannot start (bad configuration, Redis refused) exits
	// at once; give it that moment.
	select {
	case <-p.Done():
		return nil, fmt.Errorf("harness: %s exited at start:\n%s", name, p.Tail(20))
	case <-time.After(300 * time.Millisecond):
	}
	return p, nil
}

// WithDatabase returns url with its database name replaced.
func WithDatabase(rawURL, name string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("harness: database url: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}
