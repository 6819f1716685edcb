package orgs_test

import (
	"context"
	"strings"
	"testing"

	"apistarter/internal/testutil"

	"github.com/jackc/pgx/v5"
)

const badInvitation = `{"detail":"Invalid or expired token."}`

// inviteAs invites email to the org as inviter and returns the raw token.
func inviteAs(t *testing.T, s *testutil.Server, slug string, inviter *testutil.User, email, role string) string {
	t.Helper()
	call(t, s, "POST", "/api/v1/orgs/"+slug+"/invitations/", inviter.Token, `{"email":"`+email+`","role":"`+role+`"}`, 201, nil)
	return invitationToken(t, s, email)
}

func accept(t *testing.T, s *testutil.Server, u *testutil.User, token string, want int) {
	t.Helper()
	body := call(t, s, "POST", "/api/v1/invitations/accept", u.Token, `{"token":"`+token+`"}`, want, nil)
	if want == 400 && strings.TrimSpace(body) != badInvitation {
		t.Fatalf("refusal body %s, want %s", body, badInvitation)
	}
}

func pendingBy(t *testing.T, s *testutil.Server, inviter *testutil.User) int {
	t.Helper()
	var n int
	if err := s.App.DB.QueryRow(context.Background(), `SELECT count(*) FROM invitations
		WHERE invited_by_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL`, inviter.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Demoting, removing or losing an admin revokes the invitations that admin
// could no longer make, in the same transaction; the links stop working.
func TestInvitationsDieWithTheirInvitersAdminRights(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	cases := []struct {
		name   string
		change func(t *testing.T, slug string, inviter *testutil.User)
	}{
		{"demoted to member", func(t *testing.T, slug string, inviter *testutil.User) {
			call(t, s, "PATCH", "/api/v1/orgs/"+slug+"/members/"+inviter.Slug+"/", owner.Token, `{"role":"member"}`, 200, nil)
		}},
		{"removed", func(t *testing.T, slug string, inviter *testutil.User) {
			call(t, s, "DELETE", "/api/v1/orgs/"+slug+"/members/"+inviter.Slug+"/", owner.Token, "", 204, nil)
		}},
		{"left", func(t *testing.T, slug string, inviter *testutil.User) {
			call(t, s, "POST", "/api/v1/orgs/"+slug+"/leave/", inviter.Token, "", 204, nil)
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			slug := "club" + testutil.Itoa(int64(i))
			s.CreateGroupOrg(t, owner, slug)
			admin := s.CreateUser(t, "admin"+testutil.Itoa(int64(i)))
			guest := s.CreateUser(t, "guest"+testutil.Itoa(int64(i)))
			other := s.CreateUser(t, "other"+testutil.Itoa(int64(i)))
			s.AddMember(t, slug, admin, "admin")
			token := inviteAs(t, s, slug, admin, guest.Email, "admin")
			kept := inviteAs(t, s, slug, owner, other.Email, "member")

			c.change(t, slug, admin)
			if n := pendingBy(t, s, admin); n != 0 {
				t.Fatalf("%d pending invitations of the former admin", n)
			}
			body := call(t, s, "GET", "/api/v1/orgs/"+slug+"/invitations/", owner.Token, "", 200, nil)
			if strings.Contains(body, guest.Email) || !strings.Contains(body, other.Email) {
				t.Fatalf("pending list %s", body)
			}
			accept(t, s, guest, token, 400)
			accept(t, s, other, kept, 200) // the owner's invitation is untouched
		})
	}
}

// An owner demoted to admin keeps the invitations an admin can make and
// loses the owner invitations.
func TestOwnerDemotedToAdminLosesOnlyOwnerInvitations(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	coowner := s.CreateUser(t, "coowner")
	heir := s.CreateUser(t, "heir")
	guest := s.CreateUser(t, "guest")
	s.CreateGroupOrg(t, owner, "club")
	s.AddMember(t, "club", coowner, "owner")
	ownerInvite := inviteAs(t, s, "club", coowner, heir.Email, "owner")
	memberInvite := inviteAs(t, s, "club", coowner, guest.Email, "member")
	call(t, s, "PATCH", "/api/v1/orgs/club/members/"+coowner.Slug+"/", owner.Token, `{"role":"admin"}`, 200, nil)
	accept(t, s, heir, ownerInvite, 400)
	accept(t, s, guest, memberInvite, 200)
}

// Acceptance checks the inviter's rights at that moment, whatever path
// changed them: here raw SQL that revokes nothing.
func TestAcceptanceRequiresTheInviterToStillHoldTheRight(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	s.CreateGroupOrg(t, owner, "club")
	cases := []struct {
		name      string
		super     bool
		role      string   // of the invitation
		lose      []string // SQL taking the right away, $1 = inviter id
		acceptant int
	}{
		{"admin demoted to member", false, "member", []string{`UPDATE memberships SET role = 'member' WHERE user_id = $1 AND organization_id = (SELECT id FROM organizations WHERE slug = 'club')`}, 400},
		{"admin removed", false, "member", []string{`DELETE FROM memberships WHERE user_id = $1 AND organization_id = (SELECT id FROM organizations WHERE slug = 'club')`}, 400},
		{"admin deactivated", false, "member", []string{`UPDATE users SET is_active = false WHERE id = $1`}, 400},
		{"admin deleted", false, "member", []string{`DELETE FROM organizations WHERE type = 'personal' AND creator_id = $1`, `DELETE FROM users WHERE id = $1`}, 400},
		{"owner made admin, owner invitation", false, "owner", []string{`UPDATE memberships SET role = 'admin' WHERE user_id = $1 AND organization_id = (SELECT id FROM organizations WHERE slug = 'club')`}, 400},
		{"owner made admin, admin invitation", false, "admin", []string{`UPDATE memberships SET role = 'admin' WHERE user_id = $1 AND organization_id = (SELECT id FROM organizations WHERE slug = 'club')`}, 200},
		{"superuser flag taken away", true, "member", []string{`UPDATE users SET is_superuser = false, is_staff = false WHERE id = $1`}, 400},
		{"nothing changed", false, "admin", []string{`SELECT $1::bigint`}, 200},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := testutil.Itoa(int64(i))
			var inviter *testutil.User
			if c.super {
				inviter = s.CreateUser(t, "super"+n, testutil.Superuser())
			} else {
				inviter = s.CreateUser(t, "inviter"+n)
				role := "admin"
				if c.role == "owner" || c.role == "admin" && c.acceptant == 200 {
					role = "owner"
				}
				s.AddMember(t, "club", inviter, role)
			}
			guest := s.CreateUser(t, "guest"+n)
			token := inviteAs(t, s, "club", inviter, guest.Email, c.role)
			for _, sql := range c.lose {
				testutil.Exec(t, s, sql, inviter.ID)
			}
			accept(t, s, guest, token, c.acceptant)
		})
	}
}

// Account deletion and deactivation revoke the account's pending
// invitations in every org, in the account's transaction.
func TestAccountDeletionAndDeactivationRevokeItsInvitations(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	s.CreateGroupOrg(t, owner, "club")
	s.CreateGroupOrg(t, owner, "guild")
	for _, step := range []string{"deletion", "deactivation"} {
		t.Run(step, func(t *testing.T) {
			admin := s.CreateUser(t, "admin-"+step)
			s.AddMember(t, "club", admin, "admin")
			s.AddMember(t, "guild", admin, "admin")
			inviteAs(t, s, "club", admin, "a-"+step+"@example.com", "member")
			inviteAs(t, s, "guild", admin, "b-"+step+"@example.com", "member")
			ctx := context.Background()
			err := pgx.BeginFunc(ctx, s.App.DB, func(tx pgx.Tx) error {
				if step == "deletion" {
					return s.App.Orgs.DeleteAccountOrgs(ctx, tx, admin.ID)
				}
				return s.App.Orgs.LockForDeactivation(ctx, tx, admin.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := pendingBy(t, s, admin); n != 0 {
				t.Fatalf("%d invitations survive the account %s", n, step)
			}
		})
	}
}
