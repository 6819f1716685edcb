package contacts_test

import (
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// Searching is limited to 60 a minute per user (contacts_search); listing
// without a search, or with a blank one, is not.
func TestSearchIsThrottledPerUser(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t, testutil.WithEnv("RATELIMIT_ENABLED", "true"))
	u := s.CreateUser(t, "searcher")
	e := &env{s: s, owner: u, org: u.PersonalOrg, base: "/api/v1/orgs/" + u.PersonalOrg + "/contacts/"}
	for i := range 59 {
		if code, body := e.call(t, "GET", e.base+"?search=ada", u.Token, ""); code != 200 {
			t.Fatalf("search %d: %d %s", i, code, body)
		}
	}
	// An invalid search is counted too (the throttle runs before validation).
	if code, _ := e.call(t, "GET", e.base+"?search="+strings.Repeat("a", 201), u.Token, ""); code != 400 {
		t.Fatalf("long search: %d", code)
	}
	code, body := e.call(t, "GET", e.base+"?search=ada", u.Token, "")
	if code != 429 || strings.TrimSpace(body) != `{"detail":"Too many requests."}` {
		t.Fatalf("61st search: %d %q", code, body)
	}
	resp := s.Do(t, "GET", e.base+"?search=ada", u.Token, nil, nil)
	resp.Body.Close()
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	for _, q := range []string{"", "?search=", "?search=%20%20"} {
		if code, body := e.call(t, "GET", e.base+q, u.Token, ""); code != 200 {
			t.Errorf("list %q while throttled: %d %s", q, code, body)
		}
	}
	other := s.CreateUser(t, "other")
	if code, _ := e.call(t, "GET", "/api/v1/orgs/"+other.PersonalOrg+"/contacts/?search=ada", other.Token, ""); code != 200 {
		t.Errorf("another user is throttled: %d", code)
	}
}
