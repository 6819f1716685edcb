package accounts_test

import (
	"io"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// GET /users/me reads the session and the profile in one statement and
// answers exactly what the profile read on its own gives (PATCH with no
// fields returns it through the accounts service).
func TestUsersMeIsOneQuery(t *testing.T) {
	t.Parallel()
	s, count := testutil.NewCountingServer(t)
	u := s.CreateUser(t, "alice")
	call := func(method, body string) string {
		t.Helper()
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		resp := s.Do(t, method, "/api/v1/users/me", u.Token, r, nil)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s /users/me: %d %s", method, resp.StatusCode, b)
		}
		return string(b)
	}
	call("PATCH", `{"first_name":"Ada","last_name":"Lovelace","location":"London","about":"ß and ẞ","preferred_theme":"dark"}`)
	want := call("PATCH", `{}`)
	before := count.Count()
	got := call("GET", "")
	if n := count.Count() - before; n != 1 {
		t.Errorf("GET /users/me: %d statements, want 1", n)
	}
	if got != want {
		t.Errorf("GET /users/me:\n%s\nwant (profile read on its own):\n%s", got, want)
	}
}
