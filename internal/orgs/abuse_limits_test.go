package orgs_test

import (
	"context"
	"fmt"
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

// expectTooMany sends the request and checks the 429 of the contract: the
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

func invitationMails(t *testing.T, s *testutil.Server, to string) int {
	t.Helper()
	var n int
	if err := s.App.DB.QueryRow(context.Background(), `SELECT count(*) FROM outbox
		WHERE task_type = 'email:send' AND payload->'to'->>0 = $1`, to).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func inviteBody(email string) string { return `{"email":"` + email + `","role":"member"}` }

func TestInvitationsAreLimitedPerInvitingUser(t *testing.T) {
	t.Parallel()
	s := limitedServer(t, "RATELIMIT_INVITATIONS_PER_USER", "3/h")
	owner := s.CreateUser(t, "owner")
	admin := s.CreateUser(t, "admin")
	s.CreateGroupOrg(t, owner, "club")
	s.CreateGroupOrg(t, owner, "other")
	s.AddMember(t, "club", admin, "admin")
	for i := range 3 {
		slug := []string{"club", "other", "club"}[i]
		call(t, s, "POST", "/api/v1/orgs/"+slug+"/invitations/", owner.Token, inviteBody(fmt.Sprintf("guest%d@example.com", i)), 201, nil)
	}
	// The fourth, in either org, is refused and mails nobody.
	expectTooMany(t, s, "POST", "/api/v1/orgs/other/invitations/", owner.Token, inviteBody("spam@example.com"))
	if n := invitationMails(t, s, "spam@example.com"); n != 0 {
		t.Fatalf("%d mails to a refused address", n)
	}
	// Another admin of the same org has a budget of their own.
	call(t, s, "POST", "/api/v1/orgs/club/invitations/", admin.Token, inviteBody("welcome@example.com"), 201, nil)
}

func TestInvitationsAreLimitedPerOrg(t *testing.T) {
	t.Parallel()
	s := limitedServer(t, "RATELIMIT_INVITATIONS_PER_ORG", "3/h")
	owner := s.CreateUser(t, "owner")
	admin := s.CreateUser(t, "admin")
	s.CreateGroupOrg(t, owner, "club")
	s.CreateGroupOrg(t, admin, "elsewhere")
	s.AddMember(t, "club", admin, "admin")
	call(t, s, "POST", "/api/v1/orgs/club/invitations/", owner.Token, inviteBody("a@example.com"), 201, nil)
	call(t, s, "POST", "/api/v1/orgs/club/invitations/", owner.Token, inviteBody("b@example.com"), 201, nil)
	call(t, s, "POST", "/api/v1/orgs/club/invitations/", admin.Token, inviteBody("c@example.com"), 201, nil)
	// Spreading the invitations over several admins does not help.
	expectTooMany(t, s, "POST", "/api/v1/orgs/club/invitations/", admin.Token, inviteBody("d@example.com"))
	expectTooMany(t, s, "POST", "/api/v1/orgs/club/invitations/", owner.Token, inviteBody("d@example.com"))
	// The same admin can still invite in another org.
	call(t, s, "POST", "/api/v1/orgs/elsewhere/invitations/", admin.Token, inviteBody("d@example.com"), 201, nil)
	// A plain member's refused attempts cost the org nothing.
	member := s.CreateUser(t, "member")
	s.AddMember(t, "elsewhere", member, "member")
	for range 5 {
		call(t, s, "POST", "/api/v1/orgs/elsewhere/invitations/", member.Token, inviteBody("x@example.com"), 403, nil)
	}
	call(t, s, "POST", "/api/v1/orgs/elsewhere/invitations/", admin.Token, inviteBody("e@example.com"), 201, nil)
}

func TestInvitationsAreLimitedPerRecipientAcrossOrgs(t *testing.T) {
	t.Parallel()
	s := limitedServer(t, "RATELIMIT_INVITATIONS_PER_RECIPIENT", "2/d")
	alice := s.CreateUser(t, "alice")
	bob := s.CreateUser(t, "bob")
	s.CreateGroupOrg(t, alice, "alices")
	s.CreateGroupOrg(t, bob, "bobs")
	// Re-sending to the same address counts: every call mails it.
	call(t, s, "POST", "/api/v1/orgs/alices/invitations/", alice.Token, inviteBody("victim@example.com"), 201, nil)
	call(t, s, "POST", "/api/v1/orgs/alices/invitations/", alice.Token, inviteBody("victim@example.com"), 201, nil)
	// A third mail to that mailbox is refused whoever sends it and however
	// the address is spelled.
	expectTooMany(t, s, "POST", "/api/v1/orgs/bobs/invitations/", bob.Token, inviteBody("Victim@Example.com"))
	if n := invitationMails(t, s, "victim@example.com"); n != 2 {
		t.Fatalf("%d mails to the victim, want 2", n)
	}
	call(t, s, "POST", "/api/v1/orgs/bobs/invitations/", bob.Token, inviteBody("friend@example.com"), 201, nil)
}

func TestOrgCreationIsLimitedPerUser(t *testing.T) {
	t.Parallel()
	s := limitedServer(t, "RATELIMIT_ORG_CREATE_PER_USER", "2/h")
	alice := s.CreateUser(t, "alice")
	bob := s.CreateUser(t, "bob")
	call(t, s, "POST", "/api/v1/orgs/", alice.Token, `{"name":"One"}`, 201, nil)
	call(t, s, "POST", "/api/v1/orgs/", alice.Token, `{"name":"Two"}`, 201, nil)
	expectTooMany(t, s, "POST", "/api/v1/orgs/", alice.Token, `{"name":"Three"}`)
	var n int
	if err := s.App.DB.QueryRow(context.Background(), `SELECT count(*) FROM organizations WHERE creator_id = $1 AND type = 'group'`, alice.ID).Scan(&n); err != nil || n != 2 {
		t.Fatalf("alice has %d group orgs (%v), want 2", n, err)
	}
	call(t, s, "POST", "/api/v1/orgs/", bob.Token, `{"name":"Bob's"}`, 201, nil)
}
