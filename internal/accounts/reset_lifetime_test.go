package accounts_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// requestReset asks for a reset link for email and returns its token.
func requestReset(t testing.TB, s *testutil.Server, email string) string {
	t.Helper()
	if st, body, _ := call(t, s, "POST", "/api/v1/auth/password-reset/request", "", `{"email":"`+email+`"}`, nil); st != 200 {
		t.Fatalf("reset request: %d %v", st, body)
	}
	token := ""
	for _, m := range outboxMails(t, s) {
		if m.To == email && strings.HasPrefix(m.Subject, "Reset your password for") {
			token = tokenIn(t, m.Text)
		}
	}
	if token == "" {
		t.Fatalf("no reset mail to %s", email)
	}
	return token
}

// confirmReset uses a reset token and returns the answer.
func confirmReset(t testing.TB, s *testutil.Server, token, password string) (int, map[string]any) {
	t.Helper()
	st, body, _ := call(t, s, "POST", "/api/v1/auth/password-reset/confirm", "", `{"token":"`+token+`","new_password":"`+password+`"}`, nil)
	return st, body
}

// assertResetRefused checks that token is refused exactly like a token that
// never existed, and that the password did not change.
func assertResetRefused(t testing.TB, s *testutil.Server, token, email, password string) {
	t.Helper()
	wantStatus, wantBody := confirmReset(t, s, "never-issued-token", "a-fresh-attacker-passphrase")
	st, body := confirmReset(t, s, token, "a-fresh-attacker-passphrase")
	if st != wantStatus || !reflect.DeepEqual(body, wantBody) {
		t.Fatalf("old reset link: %d %v, want what an invalid token gets: %d %v", st, body, wantStatus, wantBody)
	}
	if wantStatus != 400 || wantBody["detail"] != "Invalid or expired token." {
		t.Fatalf("invalid token answer changed: %d %v", wantStatus, wantBody)
	}
	login(t, s, email, password) // still the owner's password
}

// Every credential change kills a pending reset link: afterwards it is
// refused like a token never issued, and the owner's password holds.
func TestResetTokenDiesOnCredentialChange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// change acts on alice's credentials once token is pending and returns
		// the email and password she logs in with afterwards.
		change func(t *testing.T, s *testutil.Server, alice *testutil.User, token string) (email, password string)
		// after checks more once the link is refused.
		after func(t *testing.T, s *testutil.Server, alice *testutil.User)
	}{
		{name: "password change", change: func(t *testing.T, s *testutil.Server, alice *testutil.User, _ string) (string, string) {
			access, _ := login(t, s, alice.Email, testPassword)
			const newPassword = "owner-chose-a-new-passphrase"
			if st, body, _ := call(t, s, "POST", "/api/v1/auth/change-password/", access, `{"old_password":"`+testPassword+`","new_password":"`+newPassword+`"}`, nil); st != 200 {
				t.Fatalf("change password: %d %v", st, body)
			}
			return alice.Email, newPassword
		}},
		// The used token dies, and so would any other: one reset per user is
		// pending at a time, and completing it bumps auth_version.
		{name: "password reset", change: func(t *testing.T, s *testutil.Server, alice *testutil.User, token string) (string, string) {
			const newPassword = "owner-reset-to-this-passphrase"
			if st, body := confirmReset(t, s, token, newPassword); st != 200 {
				t.Fatalf("reset: %d %v", st, body)
			}
			return alice.Email, newPassword
		}, after: func(t *testing.T, s *testutil.Server, alice *testutil.User) {
			if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM pending_password_resets WHERE user_id = $1`, alice.ID); n != 0 {
				t.Fatalf("%d reset tokens outstanding after a completed reset", n)
			}
		}},
		// The link waits in the old mailbox.
		{name: "email change", change: func(t *testing.T, s *testutil.Server, alice *testutil.User, _ string) (string, string) {
			access, _ := login(t, s, alice.Email, testPassword)
			const newEmail = "alice.moved@example.com"
			change := requestEmailChange(t, s, access, newEmail)
			if st, body, _ := call(t, s, "POST", "/api/v1/auth/email/verify", "", `{"token":"`+change+`"}`, nil); st != 200 {
				t.Fatalf("email change confirm: %d %v", st, body)
			}
			return newEmail, testPassword
		}},
		{name: "logout all", change: func(t *testing.T, s *testutil.Server, alice *testutil.User, _ string) (string, string) {
			access, _ := login(t, s, alice.Email, testPassword)
			if st, body, _ := call(t, s, "POST", "/api/v1/auth/logout-all/", access, "", nil); st != 200 {
				t.Fatalf("logout-all: %d %v", st, body)
			}
			return alice.Email, testPassword
		}},
		// Deactivation has no API route (the admin console acts through the
		// service); the old link is then tried through the API.
		{name: "deactivation", change: func(t *testing.T, s *testutil.Server, alice *testutil.User, _ string) (string, string) {
			svc := serviceFor(t, s, s.App.Orgs)
			if err := svc.SetUserActive(context.Background(), alice.ID, false); err != nil {
				t.Fatal(err)
			}
			if st, _, _ := call(t, s, "GET", "/api/v1/users/me", alice.Token, "", nil); st != 401 {
				t.Fatalf("deactivated user's token: %d", st)
			}
			if err := svc.SetUserActive(context.Background(), alice.ID, true); err != nil {
				t.Fatal(err)
			}
			return alice.Email, testPassword
		}},
		// A reset issued under an older auth_version is refused even if its
		// row survived (e.g. written by a concurrent request that read the old
		// version): the binding, not only the deletion, kills it.
		{name: "auth version bump", change: func(t *testing.T, s *testutil.Server, alice *testutil.User, token string) (string, string) {
			testutil.Exec(t, s, `UPDATE users SET auth_version = auth_version + 1 WHERE id = $1`, alice.ID)
			// Even a password the policy refuses gets the invalid-token answer.
			if st, body := confirmReset(t, s, token, "123"); st != 400 || body["detail"] != "Invalid or expired token." {
				t.Fatalf("stale token, weak password: %d %v", st, body)
			}
			return alice.Email, testPassword
		}, after: func(t *testing.T, s *testutil.Server, alice *testutil.User) {
			if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM pending_password_resets WHERE user_id = $1`, alice.ID); n != 0 {
				t.Fatal("stale reset kept")
			}
		}},
		// seed-demo setting the password of an existing user is a password
		// change like any other: the reset link and the sessions die.
		{name: "seed sets password", change: func(t *testing.T, s *testutil.Server, alice *testutil.User, _ string) (string, string) {
			const newPassword = "seeded-demo-passphrase"
			if _, created, err := serviceFor(t, s, s.App.Orgs).EnsureVerifiedUser(context.Background(), alice.Email, newPassword); err != nil || created {
				t.Fatalf("ensure: created=%v err=%v", created, err)
			}
			if meStatus(t, s, alice.Token) != 401 {
				t.Fatal("session survived the new password")
			}
			return alice.Email, newPassword
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := testutil.NewServer(t)
			alice := userWithPassword(t, s, "alice")
			token := requestReset(t, s, alice.Email)
			email, password := c.change(t, s, alice, token)
			assertResetRefused(t, s, token, email, password)
			if c.after != nil {
				c.after(t, s, alice)
			}
		})
	}
}

// A link requested while the account was deactivated dies on reactivation.
func TestResetTokenDiesOnReactivation(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	svc := serviceFor(t, s, s.App.Orgs)
	if err := svc.SetUserActive(context.Background(), alice.ID, false); err != nil {
		t.Fatal(err)
	}
	token := requestReset(t, s, alice.Email)
	if err := svc.SetUserActive(context.Background(), alice.ID, true); err != nil {
		t.Fatal(err)
	}
	assertResetRefused(t, s, token, alice.Email, testPassword)
}

// Deactivating the last active owner of a group is refused like deleting
// the account, and changes nothing.
func TestDeactivatingLastActiveOwnerIsRefused(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	s.CreateGroupOrg(t, alice, "team")
	svc := serviceFor(t, s, s.App.Orgs)
	err := svc.SetUserActive(context.Background(), alice.ID, false)
	if err == nil || !strings.Contains(err.Error(), "Promote another active owner") {
		t.Fatalf("err = %v", err)
	}
	if !testutil.Scalar[bool](t, s, `SELECT is_active FROM users WHERE id = $1`, alice.ID) {
		t.Fatal("deactivated anyway")
	}
	if meStatus(t, s, alice.Token) != 200 {
		t.Fatal("sessions ended by a refused deactivation")
	}
}

// Email-change links die with the other credential changes too, including
// deactivation.
func TestEmailChangeLinkDiesOnDeactivation(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	access, _ := login(t, s, alice.Email, testPassword)
	token := requestEmailChange(t, s, access, "elsewhere@example.com")
	svc := serviceFor(t, s, s.App.Orgs)
	for _, active := range []bool{false, true} {
		if err := svc.SetUserActive(context.Background(), alice.ID, active); err != nil {
			t.Fatal(err)
		}
	}
	st, body, _ := call(t, s, "POST", "/api/v1/auth/email/verify", "", `{"token":"`+token+`"}`, nil)
	if st != 400 || body["detail"] != "Invalid or expired token." {
		t.Fatalf("email change link after deactivation: %d %v", st, body)
	}
	if e := testutil.Scalar[string](t, s, `SELECT email FROM users WHERE id = $1`, alice.ID); e != alice.Email {
		t.Fatalf("email changed to %q", e)
	}
}
