package accounts_test

import (
	"strconv"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// assertCapped checks the answer of a request refused by a cap: 429 with
// Retry-After and the usual error body.
func assertCapped(t testing.TB, what string, st int, body map[string]any, retryAfter string) {
	t.Helper()
	if st != 429 || body["detail"] != "Too many requests." || len(body) != 1 {
		t.Fatalf("%s: %d %v, want 429 Too many requests.", what, st, body)
	}
	if n, err := strconv.Atoi(retryAfter); err != nil || n < 1 {
		t.Fatalf("%s: Retry-After %q", what, retryAfter)
	}
}

func mailsTo(t testing.TB, s *testutil.Server, to, subjectPrefix string) int {
	t.Helper()
	n := 0
	for _, m := range outboxMails(t, s) {
		if m.To == to && strings.HasPrefix(m.Subject, subjectPrefix) {
			n++
		}
	}
	return n
}

// Registration and resend-verification share a cap per recipient address,
// whatever the client; an address that already has an account is counted
// alike, so the 429 tells nothing about which addresses have accounts.
func TestRegistrationMailsCappedPerRecipient(t *testing.T) {
	t.Parallel()
	s := behindProxy(t)
	taken := userWithPassword(t, s, "taken")
	for _, addr := range []string{"newcomer@example.com", taken.Email} {
		routes := []string{"/api/v1/auth/register/", "/api/v1/auth/resend-verification", "/api/v1/auth/register/"}
		for i, route := range routes {
			st, body, _ := call(t, s, "POST", route, "", `{"email":"`+addr+`"}`, from("198.51.100."+strconv.Itoa(i+1)))
			if st != 200 || body["detail"] != "If the address can be registered, a verification email has been sent." {
				t.Fatalf("%s request %d: %d %v", addr, i+1, st, body)
			}
		}
		st, body, resp := call(t, s, "POST", "/api/v1/auth/resend-verification", "", `{"email":"`+strings.ToUpper(addr)+`"}`, from("203.0.113.9"))
		assertCapped(t, addr+" 4th request", st, body, resp.Header.Get("Retry-After"))
	}
	if n := mailsTo(t, s, "newcomer@example.com", ""); n != 3 {
		t.Fatalf("%d mails to the capped address, want 3", n)
	}
	if n := mailsTo(t, s, taken.Email, ""); n != 0 {
		t.Fatalf("%d mails to an existing account's address", n)
	}
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/register/", "", `{"email":"another@example.com"}`, from("203.0.113.10")); st != 200 {
		t.Fatalf("another address: %d", st)
	}
}

// Reset requests are capped per recipient address, known or not, with the
// same answers for both; the limit comes from the configuration.
func TestResetMailsCappedPerRecipient(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts []testutil.Option
		cap  int
	}{
		{"default 3 an hour", nil, 3},
		{"configured 1 an hour", []testutil.Option{testutil.WithEnv("RATELIMIT_RESET_MAILS_PER_RECIPIENT_HOUR", "1")}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := behindProxy(t, c.opts...)
			bob := userWithPassword(t, s, "bob")
			for _, addr := range []string{bob.Email, "nobody@example.com"} {
				for i := range c.cap {
					st, body, _ := call(t, s, "POST", "/api/v1/auth/password-reset/request", "", `{"email":"`+addr+`"}`, from("198.51.100."+strconv.Itoa(i+1)))
					if st != 200 || body["detail"] != "If the email exists, a password reset link has been sent." {
						t.Fatalf("%s request %d: %d %v", addr, i+1, st, body)
					}
				}
				st, body, resp := call(t, s, "POST", "/api/v1/auth/password-reset/request", "", `{"email":"`+addr+`"}`, from("203.0.113.9"))
				assertCapped(t, addr+" over the cap", st, body, resp.Header.Get("Retry-After"))
			}
			if n := mailsTo(t, s, bob.Email, "Reset your password for"); n != c.cap {
				t.Fatalf("%d reset mails, want %d", n, c.cap)
			}
		})
	}
}

// Email-change links to one new address are capped whoever asks: many
// accounts cannot flood a stranger's mailbox.
func TestEmailChangeMailsCappedPerRecipient(t *testing.T) {
	t.Parallel()
	s := throttledServer(t)
	const victim = "victim@example.com"
	for i := range 4 {
		u := userWithPassword(t, s, "user"+strconv.Itoa(i))
		st, body, resp := call(t, s, "PATCH", "/api/v1/auth/email", u.Token, `{"email":"`+victim+`","current_password":"`+testPassword+`"}`, nil)
		if i < 3 {
			if st != 200 {
				t.Fatalf("request %d: %d %v", i+1, st, body)
			}
			continue
		}
		assertCapped(t, "4th request", st, body, resp.Header.Get("Retry-After"))
	}
	if n := mailsTo(t, s, victim, "Confirm your email change for"); n != 3 {
		t.Fatalf("%d mails to the new address, want 3", n)
	}
}
