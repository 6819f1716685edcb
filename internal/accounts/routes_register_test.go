package accounts_test

import (
	"net/http"
	"strings"
	"testing"

	"apistarter/internal/auth"
	"apistarter/internal/testutil"
)

const registrationSent = `{"detail":"If the address can be registered, a verification email has been sent."}`

func TestRegisterScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	existing := userWithPassword(t, s, "existing")
	mails := func(n int) func(t testing.TB, _ *http.Response, _ string) {
		return func(t testing.TB, _ *http.Response, _ string) {
			if got := len(outboxMails(t, s)); got != n {
				t.Fatalf("%d mails in the outbox, want %d", got, n)
			}
		}
	}
	s.Run(t, []testutil.Scenario{
		{Name: "new address", Method: "POST", URL: "/api/v1/auth/register/", Body: `{"email":" New.Person@Example.com "}`,
			ExpectedStatus: 200, ExpectedBody: []string{registrationSent}, After: func(t testing.TB, _ *http.Response, _ string) {
				m := outboxMails(t, s)
				if len(m) != 1 || m[0].To != "new.person@example.com" || !strings.HasPrefix(m[0].Subject, "Verify Your Account for") ||
					!strings.Contains(m[0].Text, "/verify-registration#token=") {
					t.Fatalf("mail %+v", m)
				}
				hash := testutil.Scalar[string](t, s, `SELECT token_hash FROM pending_registrations WHERE email = 'new.person@example.com'`)
				if hash != auth.HashToken(tokenIn(t, m[0].Text)) {
					t.Fatal("stored token is not the SHA-256 of the mailed one")
				}
			}},
		{Name: "again: one pending row, new token", Method: "POST", URL: "/api/v1/auth/register/", Body: `{"email":"new.person@example.com"}`,
			ExpectedStatus: 200, ExpectedBody: []string{registrationSent}, After: func(t testing.TB, _ *http.Response, _ string) {
				if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM pending_registrations`); n != 1 {
					t.Fatalf("%d pending rows", n)
				}
				mails(2)(t, nil, "")
			}},
		{Name: "existing account: same answer, no mail", Method: "POST", URL: "/api/v1/auth/register/",
			Body: `{"email":"` + strings.ToUpper(existing.Email) + `"}`, ExpectedStatus: 200, ExpectedBody: []string{registrationSent}, After: mails(2)},
		{Name: "malformed email", Method: "POST", URL: "/api/v1/auth/register/", Body: `{"email":"nope"}`, ExpectedStatus: 400, ExpectedBody: []string{"Invalid email address"}},
		{Name: "password field rejected", Method: "POST", URL: "/api/v1/auth/register/", Body: `{"email":"x@example.com","password":"abc"}`, ExpectedStatus: 400},
		{Name: "email too long", Method: "POST", URL: "/api/v1/auth/register/", Body: `{"email":"` + strings.Repeat("a", 300) + `@x.com"}`, ExpectedStatus: 400},
		{Name: "null email", Method: "POST", URL: "/api/v1/auth/register/", Body: `{"email":null}`, ExpectedStatus: 400},
		{Name: "resend: malformed gets the generic answer", Method: "POST", URL: "/api/v1/auth/resend-verification", Body: `{"email":"nope"}`,
			ExpectedStatus: 200, ExpectedBody: []string{registrationSent}, After: mails(2)},
		{Name: "resend: existing account, no mail", Method: "POST", URL: "/api/v1/auth/resend-verification", Body: `{"email":"` + existing.Email + `"}`,
			ExpectedStatus: 200, ExpectedBody: []string{registrationSent}, After: mails(2)},
		{Name: "resend: pending address", Method: "POST", URL: "/api/v1/auth/resend-verification", Body: `{"email":"new.person@example.com"}`,
			ExpectedStatus: 200, ExpectedBody: []string{registrationSent}, After: mails(3)},
		{Name: "resend: over-long", Method: "POST", URL: "/api/v1/auth/resend-verification", Body: `{"email":"` + strings.Repeat("a", 255) + `"}`, ExpectedStatus: 400},
	})
}

// pendingToken registers email and returns the token of the mailed link.
func pendingToken(t testing.TB, s *testutil.Server, email string) string {
	t.Helper()
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/register/", "", `{"email":"`+email+`"}`, nil); st != 200 {
		t.Fatalf("register: %d", st)
	}
	m := outboxMails(t, s)
	for i := len(m) - 1; i >= 0; i-- {
		if m[i].To == email {
			return tokenIn(t, m[i].Text)
		}
	}
	t.Fatalf("no mail to %s", email)
	return ""
}

func TestVerifyRegistrationScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	token := pendingToken(t, s, "jane.doe@example.com")
	expired := pendingToken(t, s, "late@example.com")
	testutil.Exec(t, s, `UPDATE pending_registrations SET expires_at = now() - interval '1 second' WHERE email = 'late@example.com'`)
	taken := pendingToken(t, s, "taken@example.com")
	testutil.Exec(t, s, `INSERT INTO users (email, slug) VALUES ('taken@example.com', 'taken-by-admin')`)
	twin := userWithPassword(t, s, "twin")
	testutil.Exec(t, s, `UPDATE users SET username = 'jane.doe' WHERE id = $1`, twin.ID)

	body := func(tok, pw string) string {
		return `{"token":"` + tok + `","password":"` + pw + `","device_name":"phone"}`
	}
	s.Run(t, []testutil.Scenario{
		{Name: "unknown token", Method: "POST", URL: "/api/v1/auth/verify-registration", Body: body("x"+token[1:], testPassword),
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Invalid or expired token."}`}},
		{Name: "expired token is deleted", Method: "POST", URL: "/api/v1/auth/verify-registration", Body: body(expired, testPassword),
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Token has expired."}`}, After: func(t testing.TB, _ *http.Response, _ string) {
				if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM pending_registrations WHERE email = 'late@example.com'`); n != 0 {
					t.Fatal("expired pending registration kept")
				}
			}},
		{Name: "address taken meanwhile", Method: "POST", URL: "/api/v1/auth/verify-registration", Body: body(taken, testPassword),
			ExpectedStatus: 400, ExpectedBody: []string{"Invalid or expired token."}, After: func(t testing.TB, _ *http.Response, _ string) {
				if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM pending_registrations WHERE email = 'taken@example.com'`); n != 0 {
					t.Fatal("pending registration of a taken address kept")
				}
			}},
		{Name: "weak password keeps the token", Method: "POST", URL: "/api/v1/auth/verify-registration", Body: body(token, "12345678"),
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"This password is too common. This password is entirely numeric."}`}},
		{Name: "password similar to the email", Method: "POST", URL: "/api/v1/auth/verify-registration", Body: body(token, "jane.doe.example"),
			ExpectedStatus: 400, ExpectedBody: []string{"The password is too similar to the email address."}},
		{Name: "token too short", Method: "POST", URL: "/api/v1/auth/verify-registration", Body: body("short", testPassword), ExpectedStatus: 400},
		{Name: "token too long", Method: "POST", URL: "/api/v1/auth/verify-registration", Body: body(strings.Repeat("t", 129), testPassword), ExpectedStatus: 400},
		{Name: "unknown field", Method: "POST", URL: "/api/v1/auth/verify-registration", Body: `{"token":"` + token + `","password":"x","email":"a@b.co"}`, ExpectedStatus: 400},
		{Name: "success", Method: "POST", URL: "/api/v1/auth/verify-registration", Body: body(token, testPassword),
			ExpectedStatus: 200, ExpectedBody: []string{`"detail":"Email verified successfully."`, `"access":"`, `"refresh":"`},
			After: func(t testing.TB, _ *http.Response, raw string) {
				m := testutil.Decode[map[string]string](t, raw)
				if meStatus(t, s, m["access"]) != 200 {
					t.Fatal("access token of a new account rejected")
				}
				// Username made unique with "_" (never "-"), personal org, owner membership.
				username := testutil.Scalar[string](t, s, `SELECT username FROM users WHERE email = 'jane.doe@example.com'`)
				if username != "jane.doe_1" {
					t.Fatalf("username %q, want jane.doe_1", username)
				}
				if ok := testutil.Scalar[bool](t, s, `SELECT email_verified FROM users WHERE email = 'jane.doe@example.com'`); !ok {
					t.Fatal("email not verified")
				}
				n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM organizations o JOIN memberships m ON m.organization_id = o.id
					JOIN users u ON u.id = m.user_id AND u.id = o.creator_id
					WHERE u.email = 'jane.doe@example.com' AND o.type = 'personal' AND m.role = 'owner' AND o.name = 'jane.doe_1'`)
				if n != 1 {
					t.Fatal("personal org with owner membership missing")
				}
				if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM pending_registrations WHERE email = 'jane.doe@example.com'`); n != 0 {
					t.Fatal("pending registration not consumed")
				}
			}},
		{Name: "token is single use", Method: "POST", URL: "/api/v1/auth/verify-registration", Body: body(token, testPassword),
			ExpectedStatus: 400, ExpectedBody: []string{"Invalid or expired token."}},
		{Name: "new account logs in", Method: "POST", URL: "/api/v1/token/pair",
			Body: `{"email":"jane.doe@example.com","password":"` + testPassword + `"}`, ExpectedStatus: 200},
	})
}
