package orgs_test

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"apistarter/internal/mail"
	"apistarter/internal/testutil"
)

var tokenInLink = regexp.MustCompile(`/accept-invitation#token=([A-Za-z0-9_%-]+)`)

// invitationToken reads the newest invitation email for to from the outbox
// and returns the raw token of its link.
func invitationToken(t testing.TB, s *testutil.Server, to string) string {
	t.Helper()
	var payload []byte
	var queue string
	err := s.App.DB.QueryRow(context.Background(), `SELECT payload, queue FROM outbox
		WHERE task_type = 'email:send' AND payload->'to'->>0 = $1 ORDER BY created_at DESC LIMIT 1`, to).Scan(&payload, &queue)
	if err != nil {
		t.Fatalf("invitation email to %s: %v", to, err)
	}
	var msg mail.Message
	if err := json.Unmarshal(payload, &msg); err != nil {
		t.Fatal(err)
	}
	if queue != "email" || !strings.Contains(msg.Subject, "invited") {
		t.Fatalf("queue %q subject %q", queue, msg.Subject)
	}
	m := tokenInLink.FindStringSubmatch(msg.Text)
	if m == nil || !strings.Contains(msg.Text, "http://localhost:3000/accept-invitation#token=") {
		t.Fatalf("no accept link in %q", msg.Text)
	}
	tok, err := url.QueryUnescape(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestInvitationFlow(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	guest := s.CreateUser(t, "guest")
	stranger := s.CreateUser(t, "stranger")
	s.CreateGroupOrg(t, owner, "club")
	base := "/api/v1/orgs/club/invitations/"
	guestEmail := strings.ToUpper(guest.Email) // addresses compare case-insensitively

	call(t, s, "POST", base, owner.Token, `{"email":"`+guestEmail+`","role":"admin"}`, 201, nil)
	first := invitationToken(t, s, guest.Email)
	var inv struct {
		ID        int64  `json:"id"`
		Email     string `json:"email"`
		Role      string `json:"role"`
		InvitedBy string `json:"invited_by"`
	}
	// Inviting again replaces the pending invitation: the first link dies.
	call(t, s, "POST", base, owner.Token, `{"email":"`+guest.Email+`","role":"admin"}`, 201, &inv)
	if inv.Email != guest.Email || inv.Role != "admin" || inv.InvitedBy != owner.Slug {
		t.Fatalf("invitation %+v", inv)
	}
	token := invitationToken(t, s, guest.Email)
	var hashed int
	if err := s.App.DB.QueryRow(context.Background(), `SELECT count(*) FROM invitations WHERE token_hash = $1`, token).Scan(&hashed); err != nil || hashed != 0 {
		t.Fatalf("raw token stored: %d %v", hashed, err)
	}

	s.Run(t, []testutil.Scenario{
		{Name: "list pending", Method: "GET", URL: base, Token: owner.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`"count":1`, `"email":"` + guest.Email + `"`, `"expires_at"`}},
		{Name: "invalid email", Method: "POST", URL: base, Token: owner.Token, Body: `{"email":"not an email"}`, ExpectedStatus: 400},
		{Name: "existing member", Method: "POST", URL: base, Token: owner.Token, Body: `{"email":"` + owner.Email + `"}`, ExpectedStatus: 409},
		{Name: "replaced token is dead", Method: "POST", URL: "/api/v1/invitations/accept", Token: guest.Token,
			Body: `{"token":"` + first + `"}`, ExpectedStatus: 400, ExpectedBody: []string{`"detail":"Invalid or expired token."`}},
		{Name: "unknown token", Method: "POST", URL: "/api/v1/invitations/accept", Token: guest.Token,
			Body: `{"token":"nope"}`, ExpectedStatus: 400},
		{Name: "another user cannot accept", Method: "POST", URL: "/api/v1/invitations/accept", Token: stranger.Token,
			Body: `{"token":"` + token + `"}`, ExpectedStatus: 403},
		{Name: "needs a token", Method: "POST", URL: "/api/v1/invitations/accept", Body: `{"token":"` + token + `"}`, ExpectedStatus: 401},
		{Name: "invited user accepts", Method: "POST", URL: "/api/v1/invitations/accept", Token: guest.Token,
			Body: `{"token":"` + token + `"}`, ExpectedStatus: 200, ExpectedBody: []string{`"slug":"club"`, `"role":"admin"`}},
		{Name: "single use", Method: "POST", URL: "/api/v1/invitations/accept", Token: guest.Token,
			Body: `{"token":"` + token + `"}`, ExpectedStatus: 400},
		{Name: "the new admin is in", Method: "GET", URL: "/api/v1/orgs/club/invitations/", Token: guest.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`"count":0`}},
		{Name: "revoke unknown", Method: "DELETE", URL: base + "999999/", Token: owner.Token, ExpectedStatus: 404,
			ExpectedBody: []string{`"detail":"Invitation not found"`}},
	})

	// Revoked and expired invitations cannot be accepted.
	call(t, s, "POST", base, owner.Token, `{"email":"`+stranger.Email+`"}`, 201, &inv)
	revoked := invitationToken(t, s, stranger.Email)
	call(t, s, "DELETE", base+testutil.Itoa(inv.ID)+"/", owner.Token, "", 204, nil)
	call(t, s, "POST", "/api/v1/invitations/accept", stranger.Token, `{"token":"`+revoked+`"}`, 400, nil)
	call(t, s, "POST", base, owner.Token, `{"email":"`+stranger.Email+`"}`, 201, &inv)
	expired := invitationToken(t, s, stranger.Email)
	if _, err := s.App.DB.Exec(context.Background(), `UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, inv.ID); err != nil {
		t.Fatal(err)
	}
	call(t, s, "POST", "/api/v1/invitations/accept", stranger.Token, `{"token":"`+expired+`"}`, 400, nil)
	call(t, s, "GET", base, owner.Token, "", 200, nil)
}
