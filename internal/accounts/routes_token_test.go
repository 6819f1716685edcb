package accounts_test

import (
	"net/http"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

func TestTokenPairScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t, testutil.WithEnv("REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN", "true"))
	alice := userWithPassword(t, s, "alice")
	inactive := userWithPassword(t, s, "ivan")
	testutil.Exec(t, s, `UPDATE users SET is_active = false WHERE id = $1`, inactive.ID)
	unverified := userWithPassword(t, s, "ursula")
	testutil.Exec(t, s, `UPDATE users SET email_verified = false WHERE id = $1`, unverified.ID)
	nopass := s.CreateUser(t, "nopass") // unusable password

	s.Run(t, []testutil.Scenario{
		{Name: "success", Method: "POST", URL: "/api/v1/token/pair",
			Body:           `{"email":"  ` + strings.ToUpper(alice.Email) + ` ","password":"` + testPassword + `","device_name":"  laptop "}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"access":"`, `"refresh":"`, `"email":"` + alice.Email + `"`},
			After: func(t testing.TB, _ *http.Response, _ string) {
				if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM auth_sessions WHERE user_id = $1 AND device_name = 'laptop' AND refresh_jti <> ''`, alice.ID); n != 1 {
					t.Fatalf("%d sessions named laptop", n)
				}
			}},
		{Name: "wrong password", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + alice.Email + `","password":"nope"}`, ExpectedStatus: 401, ExpectedBody: []string{`{"detail":"Invalid credentials"}`}},
		{Name: "unknown email", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"nobody@example.com","password":"` + testPassword + `"}`, ExpectedStatus: 401, ExpectedBody: []string{`"Invalid credentials"`}},
		{Name: "inactive user", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + inactive.Email + `","password":"` + testPassword + `"}`, ExpectedStatus: 401, ExpectedBody: []string{`"Invalid credentials"`}},
		{Name: "unusable password", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + nopass.Email + `","password":""}`, ExpectedStatus: 401, ExpectedBody: []string{`"Invalid credentials"`}},
		{Name: "unverified email", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + unverified.Email + `","password":"` + testPassword + `"}`, ExpectedStatus: 403,
			ExpectedBody: []string{`"detail":"Please verify your email address before logging in."`, `"email_verified":false`}},
		{Name: "malformed email", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"not-an-email","password":"x"}`, ExpectedStatus: 400, ExpectedBody: []string{`"errors":[`, `Invalid email address`}},
		{Name: "email too long", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + strings.Repeat("a", 250) + `@b.co","password":"x"}`, ExpectedStatus: 400},
		{Name: "device name too long", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + alice.Email + `","password":"x","device_name":"` + strings.Repeat("d", 121) + `"}`, ExpectedStatus: 400},
		{Name: "password too long", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + alice.Email + `","password":"` + strings.Repeat("p", 1025) + `"}`, ExpectedStatus: 400},
		{Name: "unknown field", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + alice.Email + `","password":"x","remember":true}`, ExpectedStatus: 400, ExpectedBody: []string{"unexpected property"}},
		{Name: "null password", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + alice.Email + `","password":null}`, ExpectedStatus: 400},
		{Name: "missing password", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + alice.Email + `"}`, ExpectedStatus: 400},
		{Name: "missing body", Method: "POST", URL: "/api/v1/token/pair", ExpectedStatus: 400},
		{Name: "not JSON", Method: "POST", URL: "/api/v1/token/pair", Body: `{"email":`, ExpectedStatus: 400},
	})
}

func TestRefreshVerifyAndLogoutScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	access, refresh := login(t, s, alice.Email, testPassword)
	var rotated string

	s.Run(t, []testutil.Scenario{
		{Name: "verify access token", Method: "POST", URL: "/api/v1/token/verify", Body: `{"token":"` + access + `"}`,
			ExpectedStatus: 200, After: func(t testing.TB, _ *http.Response, body string) {
				if strings.TrimSpace(body) != "{}" {
					t.Fatalf("body %q, want {}", body)
				}
			}},
		{Name: "verify refresh token", Method: "POST", URL: "/api/v1/token/verify", Body: `{"token":"` + refresh + `"}`, ExpectedStatus: 200},
		{Name: "verify garbage", Method: "POST", URL: "/api/v1/token/verify", Body: `{"token":"garbage"}`,
			ExpectedStatus: 401, ExpectedBody: []string{`"code":"token_not_valid"`}},
		{Name: "verify too long", Method: "POST", URL: "/api/v1/token/verify", Body: `{"token":"` + strings.Repeat("x", 4097) + `"}`, ExpectedStatus: 400},
		{Name: "verify unknown field", Method: "POST", URL: "/api/v1/token/verify", Body: `{"token":"x","type":"access"}`, ExpectedStatus: 400},
		{Name: "refresh garbage", Method: "POST", URL: "/api/v1/token/refresh", Body: `{"refresh":"garbage"}`,
			ExpectedStatus: 401, ExpectedBody: []string{`{"detail":"Invalid or expired refresh token"}`}},
		{Name: "refresh missing", Method: "POST", URL: "/api/v1/token/refresh", Body: `{}`, ExpectedStatus: 400},
		{Name: "refresh rotates", Method: "POST", URL: "/api/v1/token/refresh", Body: `{"refresh":"` + refresh + `"}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"access":"`, `"refresh":"`},
			After: func(t testing.TB, _ *http.Response, body string) {
				m := testutil.Decode[map[string]string](t, body)
				rotated = m["refresh"]
				if rotated == refresh {
					t.Fatal("refresh token not rotated")
				}
			}},
		{Name: "verify rotated-away refresh token is blacklisted", Method: "POST", URL: "/api/v1/token/verify",
			Body: `{"token":"` + refresh + `"}`, ExpectedStatus: 400, ExpectedBody: []string{`"Token is blacklisted"`}},
		{Name: "logout missing body", Method: "POST", URL: "/api/v1/auth/logout/", ExpectedStatus: 400},
		{Name: "logout unknown field", Method: "POST", URL: "/api/v1/auth/logout/", Body: `{"refresh":"x","all":true}`, ExpectedStatus: 400},
		{Name: "logout garbage", Method: "POST", URL: "/api/v1/auth/logout/", Body: `{"refresh":"garbage"}`,
			ExpectedStatus: 401, ExpectedBody: []string{"Invalid or expired refresh token"}},
		{Name: "logout with access token", Method: "POST", URL: "/api/v1/auth/logout/", Body: `{"refresh":"` + access + `"}`, ExpectedStatus: 401},
	})
	s.Run(t, []testutil.Scenario{
		{Name: "logout", Method: "POST", URL: "/api/v1/auth/logout/", Body: `{"refresh":"` + rotated + `"}`,
			ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"Logged out successfully."}`}},
		{Name: "logout again is 401", Method: "POST", URL: "/api/v1/auth/logout/", Body: `{"refresh":"` + rotated + `"}`, ExpectedStatus: 401},
		{Name: "refresh after logout", Method: "POST", URL: "/api/v1/token/refresh", Body: `{"refresh":"` + rotated + `"}`, ExpectedStatus: 401},
		{Name: "verify token of a revoked session (fix over the original)", Method: "POST", URL: "/api/v1/token/verify",
			Body: `{"token":"` + access + `"}`, ExpectedStatus: 401, ExpectedBody: []string{"token_not_valid"}},
		{Name: "access token of a logged-out session", Method: "GET", URL: "/api/v1/users/me", Token: access,
			ExpectedStatus: 401, ExpectedBody: []string{"Session is no longer valid"}},
	})
}
