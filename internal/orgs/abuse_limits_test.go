package orgs_test

import (
	"io"
	"strconv"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// limitedServer runs with rate limiting on, generous invitation and
// org-creation limits, and the given overrides.
func limitedServer(t *testing.T, env ...string) *testutil.Server {
	t.Helper()
	opts := []testutil.Option{
		testutil.WithEnv("RATELIMIT_ENABLED", "true"),
		testutil.WithEnv("RATELIMIT_INVITATIONS_PER_USER", "100/h"),
		testutil.WithEnv("RATELIMIT_INVITATIONS_PER_ORG", "100/h"),
		testutil.WithEnv("RATELIMIT_INVITATIONS_PER_RECIPIENT", "100/d"),
		testutil.WithEnv("RATELIMIT_ORG_CREATE_PER_USER", "100/h"),
	}
	for i := 0; i+1 < len(env); i += 2 {
		opts = append(opts, testutil.WithEnv(env[i], env[i+1]))
	}
	return testutil.NewServer(t, opts...)
}

// newClub is a limitedServer with limit set to value and the org "club" of
// owner, in which admin is an admin.
func newClub(t *testing.T, limit, value string) (s *testutil.Server, owner, admin *testutil.User) {
	t.Helper()
	s = limitedServer(t, limit, value)
	owner = s.CreateUser(t, "owner")
	admin = s.CreateUser(t, "admin")
	s.CreateGroupOrg(t, owner, "club")
	s.AddMember(t, "club", admin, "admin")
	return s, owner, admin
}

// expectTooMany sends the request and checks the documented 429: the
// error body and a positive Retry-After.
func expectTooMany(t *testing.T, s *testutil.Server, method, path, token, body string) {
	t.Helper()
	resp := s.Do(t, method, path, token, strings.NewReader(body), nil)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 429 {
		t.Fatalf("%s %s: status %d, want 429; body %s", method, path, resp.StatusCode, b)
	}
	if got := strings.TrimSpace(string(b)); got != `{"detail":"Too many requests."}` {
		t.Fatalf("429 body %s", got)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
}

func invitationMails(t *testing.T, s *testutil.Server, to string) int64 {
	t.Helper()
	return testutil.Scalar[int64](t, s, `SELECT count(*) FROM outbox
		WHERE task_type = 'email:send' AND payload->'to'->>0 = $1`, to)
}

func inviteBody(email string) string { return `{"email":"` + email + `","role":"member"}` }

// attempt is one POST of a limit test and the status it must get; a 429 is
// checked in full (expectTooMany).
type attempt struct {
	token, path, body string
	want              int
}

// invite is an attempt to invite email into the org with slug.
func invite(token, slug, email string, want int) attempt {
	return attempt{token: token, path: "/api/v1/orgs/" + slug + "/invitations/", body: inviteBody(email), want: want}
}

// createOrg is an attempt to create a group org called name.
func createOrg(token, name string, want int) attempt {
	return attempt{token: token, path: "/api/v1/orgs/", body: `{"name":"` + name + `"}`, want: want}
}

// try sends the attempts in order.
func try(t *testing.T, s *testutil.Server, attempts ...attempt) {
	t.Helper()
	for _, a := range attempts {
		if a.want == 429 {
			expectTooMany(t, s, "POST", a.path, a.token, a.body)
			continue
		}
		call(t, s, "POST", a.path, a.token, a.body, a.want, nil)
	}
}

func TestInvitationsAreLimitedPerInvitingUser(t *testing.T) {
	t.Parallel()
	s, owner, admin := newClub(t, "RATELIMIT_INVITATIONS_PER_USER", "3/h")
	s.CreateGroupOrg(t, owner, "other")
	try(t, s,
		invite(owner.Token, "club", "guest0@example.com", 201),
		invite(owner.Token, "other", "guest1@example.com", 201),
		invite(owner.Token, "club", "guest2@example.com", 201),
		// The fourth, in either org, is refused and mails nobody.
		invite(owner.Token, "other", "spam@example.com", 429),
	)
	if n := invitationMails(t, s, "spam@example.com"); n != 0 {
		t.Fatalf("%d mails to a refused address", n)
	}
	// Another admin of the same org has a budget of their own.
	try(t, s, invite(admin.Token, "club", "welcome@example.com", 201))
}

func TestInvitationsAreLimitedPerOrg(t *testing.T) {
	t.Parallel()
	s, owner, admin := newClub(t, "RATELIMIT_INVITATIONS_PER_ORG", "3/h")
	s.CreateGroupOrg(t, admin, "elsewhere")
	try(t, s,
		invite(owner.Token, "club", "a@example.com", 201),
		invite(owner.Token, "club", "b@example.com", 201),
		invite(admin.Token, "club", "c@example.com", 201),
		// Spreading the invitations over several admins does not help.
		invite(admin.Token, "club", "d@example.com", 429),
		invite(owner.Token, "club", "d@example.com", 429),
		// The same admin can still invite in another org.
		invite(admin.Token, "elsewhere", "d@example.com", 201),
	)
	// A plain member's refused attempts cost the org nothing.
	member := s.CreateUser(t, "member")
	s.AddMember(t, "elsewhere", member, "member")
	for range 5 {
		try(t, s, invite(member.Token, "elsewhere", "x@example.com", 403))
	}
	try(t, s, invite(admin.Token, "elsewhere", "e@example.com", 201))
}

func TestInvitationsAreLimitedPerRecipientAcrossOrgs(t *testing.T) {
	t.Parallel()
	s := limitedServer(t, "RATELIMIT_INVITATIONS_PER_RECIPIENT", "2/d")
	alice := s.CreateUser(t, "alice")
	bob := s.CreateUser(t, "bob")
	s.CreateGroupOrg(t, alice, "alices")
	s.CreateGroupOrg(t, bob, "bobs")
	try(t, s,
		// Re-sending to the same address counts: every call mails it.
		invite(alice.Token, "alices", "victim@example.com", 201),
		invite(alice.Token, "alices", "victim@example.com", 201),
		// A third mail to that mailbox is refused whoever sends it and
		// however the address is spelled.
		invite(bob.Token, "bobs", "Victim@Example.com", 429),
	)
	if n := invitationMails(t, s, "victim@example.com"); n != 2 {
		t.Fatalf("%d mails to the victim, want 2", n)
	}
	try(t, s, invite(bob.Token, "bobs", "friend@example.com", 201))
}

func TestOrgCreationIsLimitedPerUser(t *testing.T) {
	t.Parallel()
	s := limitedServer(t, "RATELIMIT_ORG_CREATE_PER_USER", "2/h")
	alice := s.CreateUser(t, "alice")
	bob := s.CreateUser(t, "bob")
	try(t, s,
		createOrg(alice.Token, "One", 201),
		createOrg(alice.Token, "Two", 201),
		createOrg(alice.Token, "Three", 429),
	)
	if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM organizations WHERE creator_id = $1 AND type = 'group'`, alice.ID); n != 2 {
		t.Fatalf("alice has %d group orgs, want 2", n)
	}
	try(t, s, createOrg(bob.Token, "Bob's", 201))
}
