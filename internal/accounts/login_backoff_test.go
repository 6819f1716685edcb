package accounts_test

import (
	"strconv"
	"testing"

	"apistarter/internal/testutil"
)

// behindProxy is a throttled server that believes X-Forwarded-For from the
// test client, so each request can come from a chosen client address.
func behindProxy(t *testing.T, opts ...testutil.Option) *testutil.Server {
	t.Helper()
	return throttledServer(t, append([]testutil.Option{testutil.WithEnv("TRUSTED_PROXIES", "127.0.0.1, ::1")}, opts...)...)
}

func from(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }

func loginBody(email, password string) string {
	return `{"email":"` + email + `","password":"` + password + `"}`
}

// Failures from one network lock that network out for the address (even
// with the right password), but not the owner on another network: an
// attacker cannot keep someone else's account locked.
func TestLoginBackoffFromOneNetworkDoesNotLockOutTheOwner(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                    string
		attackers               func(i int) string
		attackerNeighbour, home string
	}{
		{"ipv4 /24", func(i int) string { return "198.51.100." + strconv.Itoa(10+i) }, "198.51.100.250", "203.0.113.7"},
		{"ipv6 /64", func(i int) string { return "2001:db8:1:2::" + strconv.Itoa(10+i) }, "2001:db8:1:2:ffff::1", "2001:db8:1:3::1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := behindProxy(t)
			alice := userWithPassword(t, s, "alice")
			for i := range 5 {
				if st, _, _ := call(t, s, "POST", "/api/v1/token/pair", "", loginBody(alice.Email, "wrong"), from(c.attackers(i))); st != 401 {
					t.Fatalf("failure %d: %d", i+1, st)
				}
			}
			st, body, resp := call(t, s, "POST", "/api/v1/token/pair", "", loginBody(alice.Email, testPassword), from(c.attackerNeighbour))
			if st != 429 || body["detail"] != "Too many requests." || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("attacking network: %d %v %v", st, body, resp.Header)
			}
			if st, body, _ := call(t, s, "POST", "/api/v1/token/pair", "", loginBody(alice.Email, testPassword), from(c.home)); st != 200 {
				t.Fatalf("owner on another network: %d %v", st, body)
			}
			// The browser login obeys the same lock.
			b := newBrowser(t, s)
			h := b.headers("")
			h["X-Forwarded-For"] = c.attackerNeighbour
			if st, _, _ := call(t, s, "POST", "/api/v1/auth/browser/login", "", loginBody(alice.Email, testPassword), h); st != 429 {
				t.Fatalf("browser login from the attacking network: %d", st)
			}
		})
	}
}

// A completed password reset lifts the address's login locks everywhere.
func TestCompletedResetClearsLoginBackoff(t *testing.T) {
	t.Parallel()
	s := behindProxy(t)
	alice := userWithPassword(t, s, "alice")
	const home = "198.51.100.7"
	for i := range 5 {
		if st, _, _ := call(t, s, "POST", "/api/v1/token/pair", "", loginBody(alice.Email, "forgotten"), from(home)); st != 401 {
			t.Fatalf("failure %d: %d", i+1, st)
		}
	}
	if st, _, _ := call(t, s, "POST", "/api/v1/token/pair", "", loginBody(alice.Email, testPassword), from(home)); st != 429 {
		t.Fatalf("after 5 failures: %d, want 429", st)
	}
	token := requestReset(t, s, alice.Email)
	const newPassword = "remembered-at-last-passphrase"
	if st, body := confirmReset(t, s, token, newPassword); st != 200 {
		t.Fatalf("reset: %d %v", st, body)
	}
	if st, body, _ := call(t, s, "POST", "/api/v1/token/pair", "", loginBody(alice.Email, newPassword), from(home)); st != 200 {
		t.Fatalf("login after the reset: %d %v", st, body)
	}
}
