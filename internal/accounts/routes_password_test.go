package accounts_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"apistarter/internal/testutil"
)

const resetSent = `{"detail":"If the email exists, a password reset link has been sent."}`

func TestChangePasswordScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	access, refresh := login(t, s, alice.Email, testPassword)
	body := func(old, nw string) string { return `{"old_password":"` + old + `","new_password":"` + nw + `"}` }
	const newPassword = "a-brand-new-passphrase"
	s.Run(t, []testutil.Scenario{
		{Name: "no token", Method: "POST", URL: "/api/v1/auth/change-password/", Body: body(testPassword, newPassword),
			ExpectedStatus: 401, ExpectedBody: []string{`{"detail":"Unauthorized"}`}},
		{Name: "wrong old password", Method: "POST", URL: "/api/v1/auth/change-password/", Token: access, Body: body("wrong", newPassword),
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Old password is incorrect"}`}},
		{Name: "too short and numeric", Method: "POST", URL: "/api/v1/auth/change-password/", Token: access, Body: body(testPassword, "1234"),
			ExpectedStatus: 400, ExpectedBody: []string{"This password is too short. It must contain at least 8 characters. This password is too common. This password is entirely numeric."}},
		{Name: "similar to the username", Method: "POST", URL: "/api/v1/auth/change-password/", Token: access, Body: body(testPassword, alice.Username+"!x"),
			ExpectedStatus: 400, ExpectedBody: []string{"The password is too similar to the username."}},
		{Name: "unknown field", Method: "POST", URL: "/api/v1/auth/change-password/", Token: access, Body: `{"old_password":"a","new_password":"b","confirm":"b"}`, ExpectedStatus: 400},
		{Name: "null new password", Method: "POST", URL: "/api/v1/auth/change-password/", Token: access, Body: `{"old_password":"a","new_password":null}`, ExpectedStatus: 400},
		{Name: "success", Method: "POST", URL: "/api/v1/auth/change-password/", Token: access, Body: body(testPassword, newPassword),
			ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"Password changed successfully.","reauthentication_required":true}`}},
		{Name: "earlier access token dies", Method: "GET", URL: "/api/v1/users/me", Token: access, ExpectedStatus: 401},
		{Name: "earlier refresh token dies", Method: "POST", URL: "/api/v1/token/refresh", Body: `{"refresh":"` + refresh + `"}`, ExpectedStatus: 401},
		{Name: "fixture session died too", Method: "GET", URL: "/api/v1/users/me", Token: alice.Token, ExpectedStatus: 401},
		{Name: "old password no longer works", Method: "POST", URL: "/api/v1/token/pair", Body: `{"email":"` + alice.Email + `","password":"` + testPassword + `"}`, ExpectedStatus: 401},
		{Name: "new password works", Method: "POST", URL: "/api/v1/token/pair", Body: `{"email":"` + alice.Email + `","password":"` + newPassword + `"}`, ExpectedStatus: 200},
	})
}

func TestPasswordResetScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	bob := userWithPassword(t, s, "bob")
	testutil.Exec(t, s, `UPDATE users SET first_name = 'Bob', last_name = 'Builder' WHERE id = $1`, bob.ID)
	access, _ := login(t, s, bob.Email, testPassword)
	var token string
	mails := func(n int) func(testing.TB, *http.Response, string) {
		return func(t testing.TB, _ *http.Response, _ string) {
			if got := len(outboxMails(t, s)); got != n {
				t.Fatalf("%d mails, want %d", got, n)
			}
		}
	}
	confirm := func(tok, pw string) string { return `{"token":"` + tok + `","new_password":"` + pw + `"}` }
	s.Run(t, []testutil.Scenario{
		{Name: "unknown address: generic answer, no mail", Method: "POST", URL: "/api/v1/auth/password-reset/request",
			Body: `{"email":"nobody@example.com"}`, ExpectedStatus: 200, ExpectedBody: []string{resetSent}, After: mails(0)},
		{Name: "malformed address: generic answer", Method: "POST", URL: "/api/v1/auth/password-reset/request",
			Body: `{"email":"nope"}`, ExpectedStatus: 200, ExpectedBody: []string{resetSent}, After: mails(0)},
		{Name: "over-long address", Method: "POST", URL: "/api/v1/auth/password-reset/request", Body: `{"email":"` + strings.Repeat("a", 255) + `"}`, ExpectedStatus: 400},
		{Name: "known address", Method: "POST", URL: "/api/v1/auth/password-reset/request",
			Body: `{"email":"` + strings.ToUpper(bob.Email) + `"}`, ExpectedStatus: 200, ExpectedBody: []string{resetSent},
			After: func(t testing.TB, _ *http.Response, _ string) {
				m := outboxMails(t, s)
				if len(m) != 1 || m[0].To != bob.Email || !strings.HasPrefix(m[0].Subject, "Reset your password for") ||
					!strings.Contains(m[0].Text, "Hello Bob Builder") || !strings.Contains(m[0].Text, "/reset-password#token=") {
					t.Fatalf("mail %+v", m)
				}
				token = tokenIn(t, m[0].Text)
			}},
	})
	s.Run(t, []testutil.Scenario{
		{Name: "unknown token", Method: "POST", URL: "/api/v1/auth/password-reset/confirm", Body: confirm("nope-nope", "another-fine-passphrase"),
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Invalid or expired token."}`}},
		{Name: "weak password keeps the token", Method: "POST", URL: "/api/v1/auth/password-reset/confirm", Body: confirm(token, "builder"),
			ExpectedStatus: 400, ExpectedBody: []string{"The password is too similar to the last name. This password is too short."}},
		{Name: "token too long", Method: "POST", URL: "/api/v1/auth/password-reset/confirm", Body: confirm(strings.Repeat("t", 129), "x"), ExpectedStatus: 400},
		{Name: "unknown field", Method: "POST", URL: "/api/v1/auth/password-reset/confirm", Body: `{"token":"x","new_password":"y","email":"z"}`, ExpectedStatus: 400},
		{Name: "success", Method: "POST", URL: "/api/v1/auth/password-reset/confirm", Body: confirm(token, "another-fine-passphrase"),
			ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"Password has been reset successfully.","reauthentication_required":true}`}},
		{Name: "single use", Method: "POST", URL: "/api/v1/auth/password-reset/confirm", Body: confirm(token, "yet-another-passphrase"),
			ExpectedStatus: 400, ExpectedBody: []string{"Invalid or expired token."}},
		{Name: "earlier token dies", Method: "GET", URL: "/api/v1/users/me", Token: access, ExpectedStatus: 401},
		{Name: "new password works", Method: "POST", URL: "/api/v1/token/pair", Body: `{"email":"` + bob.Email + `","password":"another-fine-passphrase"}`, ExpectedStatus: 200},
		{Name: "no notification mail", Method: "GET", URL: "/api/v1/users/me", Token: access, ExpectedStatus: 401, After: mails(1)},
	})
}

func TestExpiredResetTokenIsDeleted(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	bob := userWithPassword(t, s, "bob")
	call(t, s, "POST", "/api/v1/auth/password-reset/request", "", `{"email":"`+bob.Email+`"}`, nil)
	token := tokenIn(t, outboxMails(t, s)[0].Text)
	testutil.Exec(t, s, `UPDATE pending_password_resets SET expires_at = now() - interval '1 second'`)
	st, body, _ := call(t, s, "POST", "/api/v1/auth/password-reset/confirm", "", `{"token":"`+token+`","new_password":"another-fine-passphrase"}`, nil)
	if st != 400 || body["detail"] != "Token has expired." {
		t.Fatalf("expired token: %d %v", st, body)
	}
	if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM pending_password_resets`); n != 0 {
		t.Fatal("expired reset kept")
	}
}

// Acceptance 3: two concurrent confirmations with one token, exactly one
// succeeds.
func TestConcurrentResetConfirmationsOnlyOneWins(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	bob := userWithPassword(t, s, "bob")
	for round := range 5 {
		call(t, s, "POST", "/api/v1/auth/password-reset/request", "", `{"email":"`+bob.Email+`"}`, nil)
		m := outboxMails(t, s)
		token := tokenIn(t, m[len(m)-1].Text)
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, pw := range []string{"first-winner-passphrase", "second-winner-passphrase"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i], _, _ = call(t, s, "POST", "/api/v1/auth/password-reset/confirm", "", `{"token":"`+token+`","new_password":"`+pw+`"}`, nil)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, st := range statuses {
			switch st {
			case 200:
				ok++
			case 400:
			default:
				t.Fatalf("round %d: status %d", round, st)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d confirmations succeeded (%v), want exactly 1", round, ok, statuses)
		}
	}
}
