package accounts_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

func TestEmailChangeScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	other := userWithPassword(t, s, "other")
	access, refresh := login(t, s, alice.Email, testPassword)
	body := func(email, pw string) string { return `{"email":"` + email + `","current_password":"` + pw + `"}` }
	var token string
	s.Run(t, []testutil.Scenario{
		{Name: "no token", Method: "PATCH", URL: "/api/v1/auth/email", Body: body("new@example.com", testPassword), ExpectedStatus: 401},
		{Name: "same address", Method: "PATCH", URL: "/api/v1/auth/email", Token: access, Body: body(strings.ToUpper(alice.Email), testPassword),
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"New email must differ from the current email."}`}},
		{Name: "wrong password", Method: "PATCH", URL: "/api/v1/auth/email", Token: access, Body: body("new@example.com", "wrong"),
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Password is incorrect"}`}},
		{Name: "taken address", Method: "PATCH", URL: "/api/v1/auth/email", Token: access, Body: body(other.Email, testPassword),
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Email already taken"}`}},
		{Name: "malformed address", Method: "PATCH", URL: "/api/v1/auth/email", Token: access, Body: body("nope", testPassword),
			ExpectedStatus: 400, ExpectedBody: []string{"Invalid email address", `"errors":[`}},
		{Name: "over-long address", Method: "PATCH", URL: "/api/v1/auth/email", Token: access, Body: body(strings.Repeat("a", 255)+"@x.com", testPassword), ExpectedStatus: 400},
		{Name: "unknown field", Method: "PATCH", URL: "/api/v1/auth/email", Token: access, Body: `{"email":"a@b.co","current_password":"x","why":"y"}`, ExpectedStatus: 400},
		{Name: "success", Method: "PATCH", URL: "/api/v1/auth/email", Token: access, Body: body(" New@Example.com", testPassword),
			ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"Verification email sent. Please check your new address."}`},
			After: func(t testing.TB, _ *http.Response, _ string) {
				m := outboxMails(t, s)
				if len(m) != 2 {
					t.Fatalf("%d mails, want 2", len(m))
				}
				notice, link := mailWithSubject(t, m, "Email change requested for"), mailWithSubject(t, m, "Confirm your email change for")
				if notice.To != alice.Email || strings.Contains(notice.Text, "#token=") {
					t.Fatalf("notice to the old address: %+v", notice)
				}
				if link.To != "new@example.com" || !strings.Contains(link.Text, "/verify-email-change#token=") {
					t.Fatalf("link to the new address: %+v", link)
				}
				token = tokenIn(t, link.Text)
			}},
		{Name: "still logged in before confirming", Method: "GET", URL: "/api/v1/users/me", Token: access, ExpectedStatus: 200},
	})
	s.Run(t, []testutil.Scenario{
		{Name: "confirm unknown token", Method: "POST", URL: "/api/v1/auth/email/verify", Body: `{"token":"unknown-token"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Invalid or expired token."}`}},
		{Name: "confirm short token", Method: "POST", URL: "/api/v1/auth/email/verify", Body: `{"token":"short"}`, ExpectedStatus: 400},
		{Name: "confirm null token", Method: "POST", URL: "/api/v1/auth/email/verify", Body: `{"token":null}`, ExpectedStatus: 400},
		{Name: "confirm", Method: "POST", URL: "/api/v1/auth/email/verify", Body: `{"token":"` + token + `"}`,
			ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"Email address updated successfully.","reauthentication_required":true}`},
			After: func(t testing.TB, _ *http.Response, _ string) {
				if e := testutil.Scalar[string](t, s, `SELECT email FROM users WHERE id = $1`, alice.ID); e != "new@example.com" {
					t.Fatalf("email %q", e)
				}
				var to []string
				for _, m := range outboxMails(t, s) {
					if strings.HasPrefix(m.Subject, "Email address changed for") {
						to = append(to, m.To)
					}
				}
				if len(to) != 2 || !slices.Contains(to, alice.Email) || !slices.Contains(to, "new@example.com") {
					t.Fatalf("completion notices to %v", to)
				}
			}},
		{Name: "token is single use", Method: "POST", URL: "/api/v1/auth/email/verify", Body: `{"token":"` + token + `"}`, ExpectedStatus: 400},
		{Name: "earlier access token dies", Method: "GET", URL: "/api/v1/users/me", Token: access, ExpectedStatus: 401},
		{Name: "earlier refresh token dies", Method: "POST", URL: "/api/v1/token/refresh", Body: `{"refresh":"` + refresh + `"}`, ExpectedStatus: 401},
		{Name: "login with the new address", Method: "POST", URL: "/api/v1/token/pair", Body: `{"email":"new@example.com","password":"` + testPassword + `"}`, ExpectedStatus: 200},
	})
}

// requestEmailChange asks for a change of u's address and returns the token.
func requestEmailChange(t testing.TB, s *testutil.Server, access, newEmail string) string {
	t.Helper()
	if st, body, _ := call(t, s, "PATCH", "/api/v1/auth/email", access, `{"email":"`+newEmail+`","current_password":"`+testPassword+`"}`, nil); st != 200 {
		t.Fatalf("email change: %d %v", st, body)
	}
	var token string
	for _, m := range outboxMails(t, s) {
		if m.To == newEmail && strings.HasPrefix(m.Subject, "Confirm your email change for") {
			token = tokenIn(t, m.Text)
		}
	}
	if token == "" {
		t.Fatalf("no confirmation mail to %s", newEmail)
	}
	return token
}

func TestEmailChangeVoidedByLaterEvents(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	access, _ := login(t, s, alice.Email, testPassword)

	expired := requestEmailChange(t, s, access, "later@example.com")
	testutil.Exec(t, s, `UPDATE pending_email_changes SET expires_at = now() - interval '1 second'`)
	st, body, _ := call(t, s, "POST", "/api/v1/auth/email/verify", "", `{"token":"`+expired+`"}`, nil)
	if st != 400 || body["detail"] != "Token has expired." {
		t.Fatalf("expired: %d %v", st, body)
	}

	replaced := requestEmailChange(t, s, access, "first@example.com")
	latest := requestEmailChange(t, s, access, "second@example.com")
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/email/verify", "", `{"token":"`+replaced+`"}`, nil); st != 400 {
		t.Fatalf("replaced token: %d", st)
	}

	// Someone registers the address meanwhile.
	testutil.Exec(t, s, `INSERT INTO users (email, slug) VALUES ('second@example.com', 'squatter')`)
	st, body, _ = call(t, s, "POST", "/api/v1/auth/email/verify", "", `{"token":"`+latest+`"}`, nil)
	if st != 400 || body["detail"] != "Email already taken." {
		t.Fatalf("taken meanwhile: %d %v", st, body)
	}

	// A logout-all (auth_version bump) after the request voids it.
	pending := requestEmailChange(t, s, access, "third@example.com")
	if st, _, _ := call(t, s, "POST", "/api/v1/auth/logout-all/", access, "", nil); st != 200 {
		t.Fatalf("logout-all: %d", st)
	}
	st, body, _ = call(t, s, "POST", "/api/v1/auth/email/verify", "", `{"token":"`+pending+`"}`, nil)
	if st != 400 || body["detail"] != "Invalid or expired token." {
		t.Fatalf("after auth_version bump: %d %v", st, body)
	}
	if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM pending_email_changes`); n != 0 {
		t.Fatal("voided email change kept")
	}
	if e := testutil.Scalar[string](t, s, `SELECT email FROM users WHERE id = $1`, alice.ID); e != alice.Email {
		t.Fatalf("email changed to %q", e)
	}
}
