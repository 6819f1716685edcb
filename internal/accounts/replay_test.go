package accounts_test

import (
	"testing"

	"apistarter/internal/auth"
	"apistarter/internal/testutil"
)

// Acceptance 2: refresh A → B; presenting A again revokes the session, so B
// fails too and the session's access token fails on its next request.
func TestReplayedRefreshTokenRevokesTheWholeSession(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	_, refreshA := login(t, s, alice.Email, testPassword)
	otherAccess, otherRefresh := login(t, s, alice.Email, testPassword) // another device

	st, body, _ := call(t, s, "POST", "/api/v1/token/refresh", "", `{"refresh":"`+refreshA+`"}`, nil)
	if st != 200 {
		t.Fatalf("first refresh: %d %v", st, body)
	}
	accessB, refreshB := body["access"].(string), body["refresh"].(string)
	if meStatus(t, s, accessB) != 200 {
		t.Fatal("fresh access token rejected")
	}

	if st, body, _ := call(t, s, "POST", "/api/v1/token/refresh", "", `{"refresh":"`+refreshA+`"}`, nil); st != 401 || body["detail"] != "Invalid or expired refresh token" {
		t.Fatalf("replayed refresh: %d %v", st, body)
	}
	if st, _, _ := call(t, s, "POST", "/api/v1/token/refresh", "", `{"refresh":"`+refreshB+`"}`, nil); st != 401 {
		t.Fatalf("newest refresh token of a replayed session: %d, want 401", st)
	}
	if st := meStatus(t, s, accessB); st != 401 {
		t.Fatalf("access token of a replayed session: %d, want 401", st)
	}
	// The other device is untouched.
	if meStatus(t, s, otherAccess) != 200 {
		t.Fatal("replay on one device logged out another")
	}
	if st, _, _ := call(t, s, "POST", "/api/v1/token/refresh", "", `{"refresh":"`+otherRefresh+`"}`, nil); st != 200 {
		t.Fatalf("other device refresh: %d", st)
	}
}

func TestRefreshSlidesTheSessionExpiry(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	_, refresh := login(t, s, alice.Email, testPassword)
	testutil.Exec(t, s, `UPDATE auth_sessions SET expires_at = now() + interval '1 day', last_used_at = now() - interval '2 days' WHERE user_id = $1`, alice.ID)
	if st, _, _ := call(t, s, "POST", "/api/v1/token/refresh", "", `{"refresh":"`+refresh+`"}`, nil); st != 200 {
		t.Fatalf("refresh: %d", st)
	}
	days := testutil.Scalar[float64](t, s, `SELECT extract(epoch FROM expires_at - now()) / 86400 FROM auth_sessions WHERE user_id = $1 AND device_name = 'test'`, alice.ID)
	if days < 29.9 || days > 30.1 {
		t.Fatalf("session expires in %.2f days after a refresh, want 30", days)
	}
	if fresh := testutil.Scalar[bool](t, s, `SELECT last_used_at > now() - interval '1 minute' FROM auth_sessions WHERE user_id = $1 AND device_name = 'test'`, alice.ID); !fresh {
		t.Fatal("last_used_at not updated")
	}
}

func TestRefreshOfAnExpiredSessionFails(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	_, refresh := login(t, s, alice.Email, testPassword)
	testutil.Exec(t, s, `UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, alice.ID)
	if st, _, _ := call(t, s, "POST", "/api/v1/token/refresh", "", `{"refresh":"`+refresh+`"}`, nil); st != 401 {
		t.Fatalf("refresh of an expired session: %d", st)
	}
}

func TestInactiveUserCannotRefreshAndSessionIsRevoked(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	_, refresh := login(t, s, alice.Email, testPassword)
	testutil.Exec(t, s, `UPDATE users SET is_active = false WHERE id = $1`, alice.ID)
	if st, _, _ := call(t, s, "POST", "/api/v1/token/refresh", "", `{"refresh":"`+refresh+`"}`, nil); st != 401 {
		t.Fatalf("refresh of an inactive user: %d", st)
	}
	if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM auth_sessions WHERE user_id = $1 AND device_name = 'test' AND revoked_at IS NULL`, alice.ID); n != 0 {
		t.Fatal("session of an inactive user not revoked")
	}
}

// Acceptance 5: a token signed by the old key still verifies after a new
// key is put first; tokens of unknown keys do not.
func TestKeyRotationKeepsOldTokensValid(t *testing.T) {
	t.Parallel()
	const oldKey, newKey = "old-signing-key-0123456789abcdef", "new-signing-key-0123456789abcdef"
	s := testutil.NewServer(t, testutil.WithEnv("JWT_SIGNING_KEYS", newKey+","+oldKey))
	alice := userWithPassword(t, s, "alice")
	signer := func(key string) string {
		tk, err := auth.NewTokens([]string{key}, s.App.Cfg.JWTIssuer, s.App.Cfg.JWTAudience)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := tk.IssueAccess(alice.ID, alice.SessionID, 1)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if st := meStatus(t, s, signer(oldKey)); st != 200 {
		t.Fatalf("token of the old key: %d, want 200", st)
	}
	if st := meStatus(t, s, signer(newKey)); st != 200 {
		t.Fatalf("token of the new key: %d, want 200", st)
	}
	if st := meStatus(t, s, signer("some-other-key-0123456789abcdef")); st != 401 {
		t.Fatalf("token of an unknown key: %d, want 401", st)
	}
	// New logins are signed with the new key (its kid comes first).
	access, _ := login(t, s, alice.Email, testPassword)
	newOnly, _ := auth.NewTokens([]string{newKey}, s.App.Cfg.JWTIssuer, s.App.Cfg.JWTAudience)
	if _, err := newOnly.Parse(access, auth.TypeAccess); err != nil {
		t.Fatalf("new login not signed with the first key: %v", err)
	}
}
