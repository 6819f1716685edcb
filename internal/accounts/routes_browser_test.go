package accounts_test

import (
	"net/http"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// browser keeps the cookies of a browser session.
type browser struct {
	csrf, refresh string
}

func (b *browser) headers(origin string) map[string]string {
	h := map[string]string{"X-CSRFToken": b.csrf, "Cookie": "csrftoken=" + b.csrf}
	if b.refresh != "" {
		h["Cookie"] += "; browser_refresh=" + b.refresh
	}
	if origin != "" {
		h["Origin"] = origin
	}
	return h
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func newBrowser(t *testing.T, s *testutil.Server) *browser {
	t.Helper()
	st, body, resp := call(t, s, "GET", "/api/v1/auth/browser/csrf", "", "", nil)
	if st != 200 {
		t.Fatalf("csrf: %d", st)
	}
	c := cookieNamed(resp, "csrftoken")
	if c == nil || c.Value != body["csrf_token"] || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Fatalf("csrf cookie %+v, body %v", c, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Pragma") != "no-cache" {
		t.Fatalf("csrf response is cacheable: %v", resp.Header)
	}
	return &browser{csrf: c.Value}
}

func TestBrowserFlow(t *testing.T) {
	t.Parallel()
	const frontend = "http://localhost:3000"
	s := testutil.NewServer(t, testutil.WithEnv("CORS_ALLOWED_ORIGINS", frontend))
	alice := userWithPassword(t, s, "alice")
	b := newBrowser(t, s)
	creds := `{"email":"` + alice.Email + `","password":"` + testPassword + `"}`

	// CSRF is checked before anything else.
	for name, h := range map[string]map[string]string{
		"no token":         {},
		"cookie only":      {"Cookie": "csrftoken=" + b.csrf},
		"header only":      {"X-CSRFToken": b.csrf},
		"mismatch":         {"Cookie": "csrftoken=" + b.csrf, "X-CSRFToken": strings.Repeat("x", 43)},
		"untrusted origin": b.headers("https://evil.example"),
	} {
		st, body, _ := call(t, s, "POST", "/api/v1/auth/browser/login", "", creds, h)
		if st != 403 || body["detail"] != "CSRF verification failed" {
			t.Fatalf("login with %s: %d %v", name, st, body)
		}
	}
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/browser/logout", "", "", map[string]string{}); st != 403 {
		t.Fatalf("logout without CSRF: %d", st)
	}

	// Wrong password: 401, no cookie.
	st, body, resp := call(t, s, "POST", "/api/v1/auth/browser/login", "", `{"email":"`+alice.Email+`","password":"nope"}`, b.headers(frontend))
	if st != 401 || body["detail"] != "Invalid credentials" || cookieNamed(resp, "browser_refresh") != nil {
		t.Fatalf("bad login: %d %v", st, body)
	}

	// Login: access in the body, refresh only in the cookie.
	st, body, resp = call(t, s, "POST", "/api/v1/auth/browser/login", "", creds, b.headers(frontend))
	if st != 200 || body["access"] == nil || body["email"] != alice.Email || body["refresh"] != nil {
		t.Fatalf("login: %d %v", st, body)
	}
	c := cookieNamed(resp, "browser_refresh")
	if c == nil || !c.HttpOnly || c.Path != "/api/v1/auth/browser/" || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 2592000 || c.Secure {
		t.Fatalf("refresh cookie %+v", c)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("login response is cacheable")
	}
	if meStatus(t, s, body["access"].(string)) != 200 {
		t.Fatal("browser access token rejected")
	}
	b.refresh = c.Value
	first := c.Value

	// Refresh rotates the cookie.
	st, body, resp = call(t, s, "POST", "/api/v1/auth/browser/refresh", "", "", b.headers(""))
	if st != 200 || body["access"] == nil || body["refresh"] != nil {
		t.Fatalf("refresh: %d %v", st, body)
	}
	if c = cookieNamed(resp, "browser_refresh"); c == nil || c.Value == first || c.MaxAge != 2592000 {
		t.Fatalf("rotated cookie %+v", c)
	}
	b.refresh = c.Value
	access := body["access"].(string)

	// Replaying the first cookie revokes the session and clears the cookie.
	replay := &browser{csrf: b.csrf, refresh: first}
	st, body, resp = call(t, s, "POST", "/api/v1/auth/browser/refresh", "", "", replay.headers(""))
	if st != 401 || body["detail"] != "Invalid or expired refresh token" {
		t.Fatalf("replayed cookie: %d %v", st, body)
	}
	if c = cookieNamed(resp, "browser_refresh"); c == nil || c.MaxAge != -1 || c.Path != "/api/v1/auth/browser/" || !c.HttpOnly {
		t.Fatalf("cookie not cleared: %+v (%v)", c, resp.Header.Values("Set-Cookie"))
	}
	if meStatus(t, s, access) != 401 {
		t.Fatal("access token of a replayed browser session still works")
	}

	// No cookie at all.
	st, body, resp = call(t, s, "POST", "/api/v1/auth/browser/refresh", "", "", (&browser{csrf: b.csrf}).headers(""))
	if st != 401 || body["detail"] != "Refresh session is unavailable" || cookieNamed(resp, "browser_refresh") == nil {
		t.Fatalf("refresh without cookie: %d %v", st, body)
	}

	// Logout is idempotent and always clears the cookie.
	for range 2 {
		st, body, resp = call(t, s, "POST", "/api/v1/auth/browser/logout", "", "", b.headers(frontend))
		if st != 200 || body["detail"] != "Logged out successfully." {
			t.Fatalf("logout: %d %v", st, body)
		}
		if c = cookieNamed(resp, "browser_refresh"); c == nil || c.MaxAge != -1 {
			t.Fatalf("logout did not clear the cookie: %v", resp.Header.Values("Set-Cookie"))
		}
	}
}

func TestBrowserLogoutRevokesTheSession(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	b := newBrowser(t, s)
	_, body, resp := call(t, s, "POST", "/api/v1/auth/browser/login", "", `{"email":"`+alice.Email+`","password":"`+testPassword+`"}`, b.headers(""))
	access := body["access"].(string)
	b.refresh = cookieNamed(resp, "browser_refresh").Value
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/browser/logout", "", "", b.headers("")); st != 200 {
		t.Fatal("logout failed")
	}
	if meStatus(t, s, access) != 401 {
		t.Fatal("access token survives a browser logout")
	}
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/browser/refresh", "", "", b.headers("")); st != 401 {
		t.Fatal("cookie survives a browser logout")
	}
}

func TestBrowserVerifyRegistration(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t, testutil.WithEnv("BROWSER_REFRESH_COOKIE_SECURE", "true"))
	token := pendingToken(t, s, "dora@example.com")
	b := newBrowser(t, s)
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/browser/verify-registration", "", `{"token":"`+token+`","password":"`+testPassword+`"}`, nil); st != 403 {
		t.Fatalf("without CSRF: %d", st)
	}
	st, body, resp := call(t, s, "POST", "/api/v1/auth/browser/verify-registration", "", `{"token":"`+token+`","password":"`+testPassword+`"}`, b.headers(""))
	if st != 200 || body["detail"] != "Email verified successfully." || body["access"] == nil || body["email"] != "dora@example.com" || body["refresh"] != nil {
		t.Fatalf("verify: %d %v", st, body)
	}
	if c := cookieNamed(resp, "browser_refresh"); c == nil || !c.Secure || !c.HttpOnly {
		t.Fatalf("cookie %+v", c)
	}
	st, body, _ = call(t, s, "POST", "/api/v1/auth/browser/verify-registration", "", `{"token":"`+token+`","password":"`+testPassword+`"}`, b.headers(""))
	if st != 400 || body["detail"] != "Invalid or expired token." {
		t.Fatalf("second verify: %d %v", st, body)
	}
}

func TestCSRFEndpointReusesAValidCookie(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	b := newBrowser(t, s)
	_, body, _ := call(t, s, "GET", "/api/v1/auth/browser/csrf", "", "", map[string]string{"Cookie": "csrftoken=" + b.csrf})
	if body["csrf_token"] != b.csrf {
		t.Fatal("a valid CSRF cookie was replaced")
	}
	_, body, _ = call(t, s, "GET", "/api/v1/auth/browser/csrf", "", "", map[string]string{"Cookie": "csrftoken=short"})
	if body["csrf_token"] == "short" {
		t.Fatal("a malformed CSRF cookie was handed back")
	}
}
