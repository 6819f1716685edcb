package accounts_test

import (
	"testing"

	"apistarter/internal/testutil"
)

// PostgreSQL text cannot hold NUL: every stored field answers 400, never 500.
func TestNULCharactersAreA400(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	s.Run(t, []testutil.Scenario{
		{Name: "profile field", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"about":"a\u0000b"}`,
			ExpectedStatus: 400, ExpectedBody: []string{"must not contain NUL characters"}},
		{Name: "device name", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + alice.Email + `","password":"` + testPassword + `","device_name":"x\u0000"}`, ExpectedStatus: 400},
		{Name: "register email", Method: "POST", URL: "/api/v1/auth/register/", Body: `{"email":"a\u0000b@example.com"}`, ExpectedStatus: 400},
		{Name: "resend email", Method: "POST", URL: "/api/v1/auth/resend-verification", Body: `{"email":"a\u0000b@example.com"}`, ExpectedStatus: 200},
		{Name: "reset email", Method: "POST", URL: "/api/v1/auth/password-reset/request", Body: `{"email":"a\u0000b@example.com"}`, ExpectedStatus: 200},
		{Name: "username", Method: "PATCH", URL: "/api/v1/users/username", Token: alice.Token, Body: `{"username":"a\u0000b"}`, ExpectedStatus: 400},
		{Name: "username check", Method: "GET", URL: "/api/v1/users/check_username?username=a%00b", Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`"available":false`}},
		{Name: "verify registration device", Method: "POST", URL: "/api/v1/auth/verify-registration",
			Body: `{"token":"abcdefgh","password":"x","device_name":"\u0000"}`, ExpectedStatus: 400},
		{Name: "token with NUL", Method: "POST", URL: "/api/v1/auth/email/verify", Body: `{"token":"abcdefgh\u0000"}`, ExpectedStatus: 400,
			ExpectedBody: []string{"Invalid or expired token."}},
		{Name: "password with NUL", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"` + alice.Email + `","password":"\u0000"}`, ExpectedStatus: 401},
	})
}
