package accounts_test

import (
	"context"
	"errors"
	"testing"

	"apistarter/internal/accounts"
	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db"
	"apistarter/internal/mail"
	"apistarter/internal/testutil"

	"github.com/jackc/pgx/v5"
)

// skipOrgChecks is an orgs service that forgets the friendly pre-checks of
// account deletion, so the database triggers have to catch the problem.
type skipOrgChecks struct{ accounts.OrgAccounts }

func (skipOrgChecks) DeleteAccountOrgs(context.Context, pgx.Tx, int64) error { return nil }

func serviceFor(t *testing.T, s *testutil.Server, orgs accounts.OrgAccounts) *accounts.Service {
	t.Helper()
	templates, err := mail.NewTemplates()
	if err != nil {
		t.Fatal(err)
	}
	return accounts.NewService(accounts.Deps{
		Pool: s.App.DB, Tokens: s.App.Tokens, Hasher: testHasher, Orgs: orgs, Outbox: s.App.Outbox,
		Templates: templates, Settings: accounts.Settings{FrontendURL: "http://front.test", ProjectName: "test"}, Log: testutil.Logger(t),
	})
}

// The deferred owner triggers are the last line of defence: a deletion
// that would orphan a group fails at commit with the documented 409.
func TestDeleteAccountTriggerViolationIsA409(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	s.CreateGroupOrg(t, alice, "team")
	testutil.Exec(t, s, `DELETE FROM organizations WHERE slug = $1`, alice.PersonalOrg) // the fake does not delete it
	svc := serviceFor(t, s, skipOrgChecks{s.App.Orgs})
	err := svc.DeleteAccount(context.Background(), &auth.Principal{UserID: alice.ID}, testPassword)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.GetStatus() != 409 || ae.Detail != "Account deletion would leave an organization without an active owner." {
		t.Fatalf("err = %v", err)
	}
	if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM users WHERE id = $1`, alice.ID); n != 1 {
		t.Fatal("user deleted despite the violation")
	}
}

func TestCreateUserGeneratesUniqueUsernamesAndSlugs(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	svc := serviceFor(t, s, s.App.Orgs)
	ctx := context.Background()
	var names, slugs []string
	for _, email := range []string{"jane.doe@a.com", "jane.doe@b.com", "Jane.Doe@c.com", "jane_doe@d.com"} {
		err := db.InTx(ctx, s.App.DB, func(tx pgx.Tx) error {
			row, err := svc.CreateUser(ctx, tx, accounts.NewUser{Email: accounts.NormalizeEmail(email), EmailVerified: true})
			if err != nil {
				return err
			}
			var name, slug string
			if err := tx.QueryRow(ctx, `SELECT username, slug FROM users WHERE id = $1`, row.ID).Scan(&name, &slug); err != nil {
				return err
			}
			names, slugs = append(names, name), append(slugs, slug)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
	}
	wantNames := []string{"jane.doe", "jane.doe_1", "jane.doe_2", "jane_doe"}
	wantSlugs := []string{"janedoe", "janedoe-1", "janedoe-2", "jane_doe"}
	for i := range wantNames {
		if names[i] != wantNames[i] || slugs[i] != wantSlugs[i] {
			t.Fatalf("usernames %v slugs %v, want %v %v", names, slugs, wantNames, wantSlugs)
		}
	}
	// Every user got a personal org with its owner membership.
	if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM organizations o JOIN memberships m ON m.organization_id = o.id AND m.user_id = o.creator_id AND m.role = 'owner' WHERE o.type = 'personal'`); n != 4 {
		t.Fatalf("%d personal orgs with owner memberships, want 4", n)
	}
	// A taken email fails at once.
	err := db.InTx(ctx, s.App.DB, func(tx pgx.Tx) error {
		_, err := svc.CreateUser(ctx, tx, accounts.NewUser{Email: "jane.doe@a.com"})
		return err
	})
	if !errors.Is(err, accounts.ErrEmailTaken) {
		t.Fatalf("duplicate email: %v", err)
	}
}
