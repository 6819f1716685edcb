package admin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"apistarter/internal/accounts"
	"apistarter/internal/admin"
	"apistarter/internal/auth"
	"apistarter/internal/exports"
	"apistarter/internal/mail"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"
	"apistarter/internal/testutil"

	"github.com/hibiken/asynq"
)

// password is every fixture's password.
const password = "correct horse battery staple"

var (
	hashOnce sync.Mutex
	hashed   string
)

// passwordHash hashes password once per test binary (cheap parameters).
func passwordHash(t testing.TB) string {
	hashOnce.Lock()
	defer hashOnce.Unlock()
	if hashed == "" {
		h, err := auth.NewHasher(auth.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}).Hash(context.Background(), password)
		if err != nil {
			t.Fatal(err)
		}
		hashed = h
	}
	return hashed
}

// rig is the API (testutil.Server) and the console built from the same
// database, Redis and storage, on a server of its own.
type rig struct {
	api       *testutil.Server
	console   *httptest.Server
	accounts  *accounts.Service
	inspector *asynq.Inspector
}

// rigConfig collects the options of a rig.
type rigConfig struct {
	limited bool
	deps    []func(*admin.Deps)
}

type rigOption func(*rigConfig)

// withDeps adjusts the console's dependencies.
func withDeps(f func(*admin.Deps)) rigOption {
	return func(c *rigConfig) { c.deps = append(c.deps, f) }
}

// withRateLimits enforces the limiter (login throttle and backoff), which
// the test app leaves off.
func withRateLimits() rigOption { return func(c *rigConfig) { c.limited = true } }

func newRig(t *testing.T, opts ...rigOption) *rig {
	t.Helper()
	s := testutil.NewServer(t)
	templates, err := mail.NewTemplates()
	if err != nil {
		t.Fatal(err)
	}
	var cfg rigConfig
	for _, o := range opts {
		o(&cfg)
	}
	lim, err := ratelimit.New(ratelimit.Options{Enabled: cfg.limited, Redis: s.App.Redis})
	if err != nil {
		t.Fatal(err)
	}
	acc := accounts.NewService(accounts.Deps{
		Pool: s.App.DB, Tokens: s.App.Tokens, Hasher: auth.NewHasher(auth.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}),
		Orgs: s.App.Orgs, Outbox: s.App.Outbox, Templates: templates, Limiter: lim, Log: testutil.Logger(t),
		Settings: accounts.Settings{FrontendURL: "http://localhost:3000", ProjectName: "apistarter"},
	})
	exp, err := exports.NewService(exports.Deps{
		Pool: s.App.DB, Outbox: s.App.Outbox, Private: s.App.Storage.Private, Public: s.App.Storage.Public,
		Mail: templates, Log: testutil.Logger(t), Project: "apistarter", RetentionDays: 7, StaleAfter: 10 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	inspector := asynq.NewInspectorFromRedisClient(s.App.Redis)
	d := admin.Deps{
		Pool: s.App.DB, Accounts: acc, Orgs: s.App.Orgs,
		Invitations: orgs.NewInvitations(s.App.Orgs, templates, "http://localhost:3000", "apistarter", orgs.Limits{}),
		Exports:     exp, Images: s.App.Storage.Private, Tasks: inspector, IPs: lim.IPs(), Log: testutil.Logger(t),
		Settings: admin.Settings{IdleTimeout: 30 * time.Minute, PublicBaseURL: s.URL, QueuesLinked: true},
	}
	for _, f := range cfg.deps {
		f(&d)
	}
	h, err := admin.New(d)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(admin.Path, h)
	console := httptest.NewServer(mux)
	t.Cleanup(console.Close)
	return &rig{api: s, console: console, accounts: acc, inspector: inspector}
}

// user creates a fixture user that can sign in with password; rights is
// "user", "staff" or "superuser".
func (r *rig) user(t *testing.T, name, rights string) *testutil.User {
	t.Helper()
	var opts []testutil.UserOption
	opts = append(opts, testutil.PasswordHash(passwordHash(t)))
	if rights == "superuser" {
		opts = append(opts, testutil.Superuser())
	}
	u := r.api.CreateUser(t, name, opts...)
	if rights == "staff" {
		testutil.Exec(t, r.api, `UPDATE users SET is_staff = true WHERE id = $1`, u.ID)
	}
	return u
}

// browser is an HTTP client with its own cookie jar that does not follow
// redirects, so tests see each answer.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	last string // body of the last page fetched
}

func (r *rig) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: r.console.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(req *http.Request) (int, string, http.Header) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return resp.StatusCode, b.last, resp.Header
}

func (b *browser) get(path string) (int, string, http.Header) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of the last page fetched.
func (b *browser) csrf() string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(b.last)
	if m == nil {
		b.t.Fatalf("no CSRF token on the page:\n%s", b.last)
	}
	return m[1]
}

// signIn signs in through the form; it returns the status of the POST.
func (b *browser) signIn(email, pw string) int {
	b.t.Helper()
	if st, _, _ := b.get("/admin/login"); st != http.StatusOK {
		b.t.Fatalf("sign-in page: %d", st)
	}
	st, _, _ := b.post("/admin/login", url.Values{"csrf": {b.csrf()}, "email": {email}, "password": {pw}})
	return st
}

// mustSignIn signs in and loads the overview, so csrf() works next.
func (b *browser) mustSignIn(email string) {
	b.t.Helper()
	if st := b.signIn(email, password); st != http.StatusSeeOther {
		b.t.Fatalf("sign-in of %s: %d\n%s", email, st, b.last)
	}
	if st, _, _ := b.get("/admin/"); st != http.StatusOK {
		b.t.Fatalf("overview after sign-in: %d", st)
	}
}
