package accounts_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"apistarter/internal/testutil"
)

func throttledServer(t *testing.T, opts ...testutil.Option) *testutil.Server {
	return testutil.NewServer(t, append([]testutil.Option{testutil.WithEnv("RATELIMIT_ENABLED", "true")}, opts...)...)
}

// Acceptance 7: the 11th login within a minute from one client is a 429
// with Retry-After.
func TestEleventhLoginPerMinuteIsThrottled(t *testing.T) {
	t.Parallel()
	s := throttledServer(t)
	alice := userWithPassword(t, s, "alice")
	body := `{"email":"` + alice.Email + `","password":"` + testPassword + `"}`
	for i := range 10 {
		st, _, resp := call(t, s, "POST", "/api/v1/token/pair", "", body, nil)
		if st != 200 {
			t.Fatalf("login %d: %d", i+1, st)
		}
		if resp.Header.Get("RateLimit-Limit") != "10" || resp.Header.Get("RateLimit-Remaining") != strconv.Itoa(9-i) {
			t.Fatalf("login %d: RateLimit headers %v", i+1, resp.Header)
		}
	}
	st, resp429, resp := call(t, s, "POST", "/api/v1/token/pair", "", body, nil)
	if st != 429 || resp429["detail"] != "Too many requests." {
		t.Fatalf("11th login: %d %v", st, resp429)
	}
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 6 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	// The browser login shares the bucket (the CSRF check comes first).
	b := newBrowser(t, s)
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/browser/login", "", body, b.headers("")); st != 429 {
		t.Fatalf("browser login after 10 JSON logins: %d", st)
	}
	// Invalid requests count too (throttle before validation) — and stay 429.
	if st, _, _ := call(t, s, "POST", "/api/v1/token/pair", "", `{"bogus":1}`, nil); st != 429 {
		t.Fatalf("invalid body while throttled: %d", st)
	}
}

// The limit is atomic: of 50 concurrent logins at most 10 pass.
func TestLoginLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := throttledServer(t)
	alice := userWithPassword(t, s, "alice")
	body := `{"email":"` + alice.Email + `","password":"` + testPassword + `"}`
	var passed, throttled atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st, _, _ := call(t, s, "POST", "/api/v1/token/pair", "", body, nil)
			switch st {
			case 429:
				throttled.Add(1)
			case 200:
				passed.Add(1)
			default:
				t.Errorf("status %d", st)
			}
		}()
	}
	close(start)
	wg.Wait()
	if passed.Load() > 10 || passed.Load()+throttled.Load() != 50 {
		t.Fatalf("%d passed, %d throttled; at most 10 may pass", passed.Load(), throttled.Load())
	}
	if passed.Load() < 10 {
		t.Fatalf("only %d of the 10 allowed logins passed", passed.Load())
	}
}

func TestClientIPFromTrustedProxiesOnly(t *testing.T) {
	t.Parallel()
	s := throttledServer(t, testutil.WithEnv("TRUSTED_PROXIES", "127.0.0.1/32, ::1"))
	for i := range 5 {
		st, _, _ := call(t, s, "POST", "/api/v1/auth/register/", "", `{"email":"a`+strconv.Itoa(i)+`@example.com"}`, map[string]string{"X-Forwarded-For": "198.51.100.1"})
		if st != 200 {
			t.Fatalf("register %d: %d", i, st)
		}
	}
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/register/", "", `{"email":"b@example.com"}`, map[string]string{"X-Forwarded-For": "198.51.100.1"}); st != 429 {
		t.Fatalf("6th register from one forwarded client: %d", st)
	}
	// Another client behind the same (trusted) proxy has its own bucket.
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/register/", "", `{"email":"c@example.com"}`, map[string]string{"X-Forwarded-For": "198.51.100.2"}); st != 200 {
		t.Fatalf("another forwarded client: %d", st)
	}

	// Without trusted proxies the header is ignored: spoofing does not help.
	u := throttledServer(t)
	for i := range 5 {
		call(t, u, "POST", "/api/v1/auth/register/", "", `{"email":"d`+strconv.Itoa(i)+`@example.com"}`, map[string]string{"X-Forwarded-For": "203.0.113." + strconv.Itoa(i)})
	}
	if st, _, _ := call(t, u, "POST", "/api/v1/auth/register/", "", `{"email":"e@example.com"}`, map[string]string{"X-Forwarded-For": "203.0.113.99"}); st != 429 {
		t.Fatalf("spoofed X-Forwarded-For escaped the limit: %d", st)
	}
}

// Authenticated scopes count per user, not per address.
func TestAuthenticatedThrottlesArePerUser(t *testing.T) {
	t.Parallel()
	s := throttledServer(t)
	alice, bob := s.CreateUser(t, "alice"), s.CreateUser(t, "bob")
	for range 3 {
		call(t, s, "PATCH", "/api/v1/auth/email", alice.Token, `{"email":"x@example.com","current_password":"wrong"}`, nil)
	}
	if st, _, _ := call(t, s, "PATCH", "/api/v1/auth/email", alice.Token, `{"email":"x@example.com","current_password":"wrong"}`, nil); st != 429 {
		t.Fatalf("4th email change within the hour: %d", st)
	}
	if st, _, _ := call(t, s, "PATCH", "/api/v1/auth/email", bob.Token, `{"email":"x@example.com","current_password":"wrong"}`, nil); st != 400 {
		t.Fatalf("another user from the same address: %d, want 400 (not throttled)", st)
	}
	// Unauthenticated calls are rejected before the throttle and do not count.
	if st, _, _ := call(t, s, "PATCH", "/api/v1/auth/email", "", `{}`, nil); st != 401 {
		t.Fatalf("unauthenticated: %d", st)
	}
}

func TestRateLimitingOffByConfig(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t) // RATELIMIT_ENABLED=false in tests
	for range 8 {
		if st, _, resp := call(t, s, "POST", "/api/v1/auth/register/", "", `{"email":"x@example.com"}`, nil); st != 200 || resp.Header.Get("RateLimit-Limit") != "" {
			t.Fatalf("disabled limiter: %d %v", st, resp.Header)
		}
	}
}
