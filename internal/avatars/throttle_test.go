package avatars_test

import (
	"net/http"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// Avatar uploads are image work: like library uploads, each user gets a
// bounded number per hour, then 429 with Retry-After.
func TestAvatarUploadsAreThrottledPerUser(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t, testutil.WithEnv("RATELIMIT_ENABLED", "true"))
	alice := s.CreateUser(t, "alice")
	bob := s.CreateUser(t, "bob")
	for _, path := range []string{
		"/api/v1/users/avatar",
		"/api/v1/orgs/" + alice.PersonalOrg + "/contacts/nobody/avatar/",
	} {
		var st int
		var body string
		resp := (*http.Response)(nil)
		for range 200 {
			resp = s.Do(t, http.MethodPost, path, alice.Token, strings.NewReader("not multipart"), nil)
			if st, body = testutil.ReadResponse(t, resp); st == http.StatusTooManyRequests {
				break
			}
		}
		if st != http.StatusTooManyRequests || body != `{"detail":"Too many requests."}`+"\n" || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: last answer %d %s Retry-After %q", path, st, body, resp.Header.Get("Retry-After"))
		}
	}
	// Another user is counted apart.
	st, body := testutil.ReadResponse(t, s.Do(t, http.MethodPost, "/api/v1/users/avatar", bob.Token, strings.NewReader("x"), nil))
	if st == http.StatusTooManyRequests {
		t.Errorf("bob throttled by alice's uploads: %d %s", st, body)
	}
}
