package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"apistarter/internal/admin"
	"apistarter/internal/testutil"
)

// TestSignInNeverTellsWhetherAnAddressExists: unknown address, wrong
// password, a normal user's right password and an inactive staff member
// all get the same answer, and none of them a session.
func TestSignInNeverTellsWhetherAnAddressExists(t *testing.T) {
	r := newRig(t)
	normal := r.user(t, "normal", "user")
	inactive := r.user(t, "gone", "staff")
	testutil.Exec(t, r.api, `UPDATE users SET is_active = false WHERE id = $1`, inactive.ID)
	staff := r.user(t, "staff", "staff")

	cases := []struct{ name, email, password string }{
		{"unknown address", "nobody@example.com", password},
		{"wrong password", staff.Email, "not the password"},
		{"normal user, right password", normal.Email, password},
		{"inactive staff, right password", inactive.Email, password},
	}
	var first string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := r.browser(t)
			if st := b.signIn(c.email, c.password); st != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", st)
			}
			problem := between(b.last, `role="alert">`, "<")
			if problem == "" {
				t.Fatalf("no problem shown:\n%s", b.last)
			}
			if first == "" {
				first = problem
			} else if problem != first {
				t.Fatalf("answers differ: %q vs %q", problem, first)
			}
			if st, _, h := b.get("/admin/"); st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/admin/login") {
				t.Fatalf("refused sign-in must not open a session: %d %s", st, h.Get("Location"))
			}
		})
	}
}

func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, to)
	return v
}

// TestSessionCookieIsHttpOnlyStrictAndSecureWhenAsked checks the cookie
// attributes of both settings.
func TestSessionCookieIsHttpOnlyStrictAndSecureWhenAsked(t *testing.T) {
	for _, secure := range []bool{false, true} {
		r := newRig(t, withDeps(func(d *admin.Deps) { d.Settings.SecureCookies = secure }))
		staff := r.user(t, "staff", "staff")
		b := r.browser(t)
		b.get("/admin/login")
		req, _ := http.NewRequest(http.MethodPost, b.base+"/admin/login", strings.NewReader(url.Values{
			"csrf": {b.csrf()}, "email": {staff.Email}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// The jar drops Secure cookies over http; send the login cookie by hand.
		for _, ck := range b.c.Jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
		if secure {
			ck := between(b.last, `name="csrf" value="`, `"`)
			req.AddCookie(&http.Cookie{Name: "admin_login_csrf", Value: ck})
		}
		st, _, h := b.do(req)
		if st != http.StatusSeeOther {
			t.Fatalf("secure=%v: sign-in %d\n%s", secure, st, b.last)
		}
		var set string
		for _, c := range h.Values("Set-Cookie") {
			if strings.HasPrefix(c, "admin_session=") {
				set = c
			}
		}
		if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Strict") || !strings.Contains(set, "Path=/admin/") {
			t.Fatalf("session cookie attributes: %q", set)
		}
		if got := strings.Contains(set, "Secure"); got != secure {
			t.Fatalf("secure=%v but cookie %q", secure, set)
		}
	}
}

// TestIdleSessionEnds: a session unused for longer than the idle timeout
// sends the browser back to sign-in.
func TestIdleSessionEnds(t *testing.T) {
	r := newRig(t)
	staff := r.user(t, "staff", "staff")
	b := r.browser(t)
	b.mustSignIn(staff.Email)
	testutil.Exec(t, r.api, `UPDATE admin_sessions SET last_seen_at = now() - interval '31 minutes' WHERE user_id = $1`, staff.ID)
	if st, _, h := b.get("/admin/users"); st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/admin/login") {
		t.Fatalf("idle session still works: %d %s", st, h.Get("Location"))
	}
}

// TestLosingStaffRightsEndsTheSession: rights are re-read on every request.
func TestLosingStaffRightsEndsTheSession(t *testing.T) {
	r := newRig(t)
	staff := r.user(t, "staff", "staff")
	b := r.browser(t)
	b.mustSignIn(staff.Email)
	testutil.Exec(t, r.api, `UPDATE users SET is_staff = false WHERE id = $1`, staff.ID)
	if st, _, _ := b.get("/admin/"); st != http.StatusSeeOther {
		t.Fatalf("a former staff member still reads the console: %d", st)
	}
}

// TestSignOutEndsTheSession: sign-out needs the CSRF token and then the
// cookie no longer opens anything.
func TestSignOutEndsTheSession(t *testing.T) {
	r := newRig(t)
	su := r.user(t, "root", "superuser")
	b := r.browser(t)
	b.mustSignIn(su.Email)
	if st, _, _ := b.post("/admin/logout", url.Values{"csrf": {"forged"}}); st != http.StatusForbidden {
		t.Fatalf("sign-out without the token: %d, want 403", st)
	}
	b.get("/admin/")
	if st, _, _ := b.post("/admin/logout", url.Values{"csrf": {b.csrf()}}); st != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", st)
	}
	n := testutil.Scalar[int](t, r.api, `SELECT count(*) FROM admin_sessions WHERE user_id = $1`, su.ID)
	if n != 0 {
		t.Fatalf("%d sessions left after sign-out", n)
	}
	if st, _, _ := b.get("/admin/"); st != http.StatusSeeOther {
		t.Fatalf("signed out but still in: %d", st)
	}
}

// TestProductionServesOnlyOverTheBaseScheme: with an https base URL the
// console redirects plain http pages there and refuses plain http posts.
func TestProductionServesOnlyOverTheBaseScheme(t *testing.T) {
	r := newRig(t, withDeps(func(d *admin.Deps) {
		d.Settings.PublicBaseURL, d.Settings.RequireBaseScheme = "https://console.example.com", true
	}))
	b := r.browser(t)
	st, _, h := b.get("/admin/users?q=a")
	if st != http.StatusMovedPermanently || h.Get("Location") != "https://console.example.com/admin/users?q=a" {
		t.Fatalf("http page: %d %q", st, h.Get("Location"))
	}
	if st, _, _ := b.post("/admin/login", url.Values{}); st != http.StatusForbidden {
		t.Fatalf("http post: %d, want 403", st)
	}
	req, _ := http.NewRequest(http.MethodGet, b.base+"/admin/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	if st, _, _ := b.do(req); st != http.StatusOK {
		t.Fatalf("https (behind a proxy) sign-in page: %d", st)
	}
}

// TestCSRFRefusal: a superuser's action without the session's token, with
// another token or from another origin is refused and changes nothing.
func TestCSRFRefusal(t *testing.T) {
	r := newRig(t)
	su := r.user(t, "root", "superuser")
	target := r.user(t, "target", "user")
	b := r.browser(t)
	b.mustSignIn(su.Email)
	good := b.csrf()
	path := "/admin/users/" + testutil.Itoa(target.ID) + "/deactivate"
	cases := []struct {
		name   string
		token  string
		origin string
	}{
		{"no token", "", ""},
		{"wrong token", strings.Repeat("x", len(good)), ""},
		{"another session's token", func() string { o := r.browser(t); o.mustSignIn(su.Email); return o.csrf() }(), ""},
		{"right token, foreign origin", good, "https://evil.example"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(url.Values{"csrf": {c.token}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if c.origin != "" {
				req.Header.Set("Origin", c.origin)
			}
			if st, _, _ := b.do(req); st != http.StatusForbidden {
				t.Fatalf("status %d, want 403", st)
			}
			active := testutil.Scalar[bool](t, r.api, `SELECT is_active FROM users WHERE id = $1`, target.ID)
			if !active {
				t.Fatal("refused request deactivated the user")
			}
		})
	}
	// The same form with the right token works: the refusals above were
	// about the token, not the request.
	if st, _, _ := b.post(path, url.Values{"csrf": {good}}); st != http.StatusSeeOther {
		t.Fatalf("with the token: %d\n%s", st, b.last)
	}
}

// TestSignInFormNeedsItsToken: a sign-in posted without the form's token
// (another site's form) is refused before the password is looked at.
func TestSignInFormNeedsItsToken(t *testing.T) {
	r := newRig(t)
	staff := r.user(t, "staff", "staff")
	b := r.browser(t)
	if st, _, _ := b.post("/admin/login", url.Values{"email": {staff.Email}, "password": {password}}); st != http.StatusForbidden {
		t.Fatalf("sign-in without the form token: %d, want 403", st)
	}
}

// TestSignInHasTheAPILoginDefences: after five failures for one address
// from one network even the right password is refused for a while (the
// login backoff), and a client gets ten attempts a minute whatever the
// addresses (the auth_login throttle, shared with the API's login).
func TestSignInHasTheAPILoginDefences(t *testing.T) {
	r := newRig(t, withRateLimits())
	staff := r.user(t, "staff", "staff")
	b := r.browser(t)
	for i := 0; i < 5; i++ {
		if st := b.signIn(staff.Email, "wrong password"); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, st)
		}
	}
	if st := b.signIn(staff.Email, password); st != http.StatusTooManyRequests || !strings.Contains(b.last, "Too many attempts") {
		t.Fatalf("right password after five failures: %d, want 429", st)
	}
	for i := 7; i <= 10; i++ {
		if st := b.signIn("nobody@example.com", "x"); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d of the minute: %d, want 401", i, st)
		}
	}
	if st := b.signIn("nobody@example.com", "x"); st != http.StatusTooManyRequests {
		t.Fatalf("eleventh attempt of the minute: %d, want 429", st)
	}
}
