package accounts_test

import (
	"net/http"
	"strings"
	"testing"

	"apistarter/internal/testutil"

	"github.com/google/uuid"
)

func TestSessionsScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	bob := userWithPassword(t, s, "bob")
	phone, _ := login(t, s, alice.Email, testPassword)
	laptop, laptopRefresh := login(t, s, alice.Email, testPassword)
	bobAccess, _ := login(t, s, bob.Email, testPassword)
	testutil.Exec(t, s, `UPDATE auth_sessions SET revoked_at = now() WHERE id = $1`, alice.SessionID) // the fixture session is gone
	var phoneID, laptopID string

	s.Run(t, []testutil.Scenario{
		{Name: "list: no token", Method: "GET", URL: "/api/v1/auth/sessions/", ExpectedStatus: 401},
		{Name: "list", Method: "GET", URL: "/api/v1/auth/sessions/", Token: phone, ExpectedStatus: 200,
			ExpectedBody: []string{`"count":2`, `"device_name":"test"`, `"current":true`, `"current":false`, `"last_used_at":"`},
			After: func(t testing.TB, _ *http.Response, body string) {
				page := testutil.Decode[struct {
					Items []struct {
						ID      string `json:"id"`
						Current bool   `json:"current"`
					} `json:"items"`
				}](t, body)
				for _, it := range page.Items {
					if it.Current {
						phoneID = it.ID
					} else {
						laptopID = it.ID
					}
				}
			}},
		{Name: "list: pagination", Method: "GET", URL: "/api/v1/auth/sessions/?limit=1&offset=1", Token: phone, ExpectedStatus: 200,
			ExpectedBody: []string{`"count":2`}, After: func(t testing.TB, _ *http.Response, body string) {
				if strings.Count(body, `"device_name"`) != 1 {
					t.Fatalf("page of 1 has %d items", strings.Count(body, `"device_name"`))
				}
			}},
		{Name: "list: limit above the maximum", Method: "GET", URL: "/api/v1/auth/sessions/?limit=501", Token: phone, ExpectedStatus: 400},
	})
	s.Run(t, []testutil.Scenario{
		{Name: "revoke: someone else's session is 404", Method: "DELETE", URL: "/api/v1/auth/sessions/" + laptopID + "/", Token: bobAccess,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Session not found"}`}},
		{Name: "revoke: unknown id", Method: "DELETE", URL: "/api/v1/auth/sessions/" + uuid.NewString() + "/", Token: phone, ExpectedStatus: 404},
		{Name: "revoke: malformed id", Method: "DELETE", URL: "/api/v1/auth/sessions/not-a-uuid/", Token: phone, ExpectedStatus: 400},
		{Name: "revoke the laptop", Method: "DELETE", URL: "/api/v1/auth/sessions/" + laptopID + "/", Token: phone,
			ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"Session revoked."}`}},
		{Name: "laptop access token dies", Method: "GET", URL: "/api/v1/users/me", Token: laptop, ExpectedStatus: 401},
		{Name: "laptop refresh token dies", Method: "POST", URL: "/api/v1/token/refresh", Body: `{"refresh":"` + laptopRefresh + `"}`, ExpectedStatus: 401},
		{Name: "revoked twice is 404", Method: "DELETE", URL: "/api/v1/auth/sessions/" + laptopID + "/", Token: phone, ExpectedStatus: 404},
		{Name: "phone still works", Method: "GET", URL: "/api/v1/users/me", Token: phone, ExpectedStatus: 200},
		{Name: "list shows one", Method: "GET", URL: "/api/v1/auth/sessions/", Token: phone, ExpectedStatus: 200, ExpectedBody: []string{`"count":1`, phoneID}},
		{Name: "revoke my own current session", Method: "DELETE", URL: "/api/v1/auth/sessions/" + phoneID + "/", Token: phone, ExpectedStatus: 200},
		{Name: "and my token dies", Method: "GET", URL: "/api/v1/users/me", Token: phone, ExpectedStatus: 401},
		{Name: "bob still works", Method: "GET", URL: "/api/v1/users/me", Token: bobAccess, ExpectedStatus: 200},
	})
}

func TestLogoutAllKillsEveryEarlierToken(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	a1, r1 := login(t, s, alice.Email, testPassword)
	a2, r2 := login(t, s, alice.Email, testPassword)
	s.Run(t, []testutil.Scenario{
		{Name: "no token", Method: "POST", URL: "/api/v1/auth/logout-all/", ExpectedStatus: 401},
		{Name: "logout all", Method: "POST", URL: "/api/v1/auth/logout-all/", Token: a1, ExpectedStatus: 200,
			ExpectedBody: []string{`{"detail":"Logged out of all sessions.","reauthentication_required":true}`},
			After: func(t testing.TB, _ *http.Response, _ string) {
				if v := testutil.Scalar[int64](t, s, `SELECT auth_version FROM users WHERE id = $1`, alice.ID); v != 2 {
					t.Fatalf("auth_version %d, want 2", v)
				}
			}},
		{Name: "access 1", Method: "GET", URL: "/api/v1/users/me", Token: a1, ExpectedStatus: 401},
		{Name: "access 2", Method: "GET", URL: "/api/v1/users/me", Token: a2, ExpectedStatus: 401},
		{Name: "fixture token", Method: "GET", URL: "/api/v1/users/me", Token: alice.Token, ExpectedStatus: 401},
		{Name: "refresh 1", Method: "POST", URL: "/api/v1/token/refresh", Body: `{"refresh":"` + r1 + `"}`, ExpectedStatus: 401},
		{Name: "refresh 2", Method: "POST", URL: "/api/v1/token/refresh", Body: `{"refresh":"` + r2 + `"}`, ExpectedStatus: 401},
		{Name: "verify", Method: "POST", URL: "/api/v1/token/verify", Body: `{"token":"` + a2 + `"}`, ExpectedStatus: 401},
		{Name: "log in again", Method: "POST", URL: "/api/v1/token/pair", Body: `{"email":"` + alice.Email + `","password":"` + testPassword + `"}`, ExpectedStatus: 200},
	})
}
