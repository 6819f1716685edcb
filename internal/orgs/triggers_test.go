package orgs_test

import (
	"context"
	"testing"

	"apistarter/internal/db"
	"apistarter/internal/testutil"

	"github.com/jackc/pgx/v5"
)

// TestRawSQLCannotOrphanAGroup: the deferred triggers reject, at commit,
// any transaction leaving a group without an active owner or a personal org
// without its creator-owner, whatever path wrote it.
func TestRawSQLCannotOrphanAGroup(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	admin := s.CreateUser(t, "admin")
	orgID := s.CreateGroupOrg(t, owner, "guarded")
	s.AddMember(t, "guarded", admin, "admin")
	ctx := context.Background()
	cases := []struct {
		name, sql string
		args      []any
	}{
		{"delete the last owner", `DELETE FROM memberships WHERE organization_id = $1 AND role = 'owner'`, []any{orgID}},
		{"demote the last owner", `UPDATE memberships SET role = 'admin' WHERE organization_id = $1`, []any{orgID}},
		{"deactivate the last owner", `UPDATE users SET is_active = false WHERE id = $1`, []any{owner.ID}},
		{"move the owner to another org", `UPDATE memberships SET organization_id = (SELECT id FROM organizations WHERE slug = $2)
			WHERE organization_id = $1 AND role = 'owner'`, []any{orgID, admin.PersonalOrg}},
		{"remove a personal creator", `DELETE FROM memberships m USING organizations o
			WHERE o.id = m.organization_id AND o.slug = $1`, []any{owner.PersonalOrg}},
		{"create a group without owner", `INSERT INTO organizations (name, slug, type) VALUES ('x', 'ownerless', 'group')`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stmtErr error
			err := db.InTx(ctx, s.App.DB, func(tx pgx.Tx) error {
				_, stmtErr = tx.Exec(ctx, c.sql, c.args...)
				return stmtErr
			})
			if stmtErr != nil {
				t.Fatalf("statement itself failed (the check must be deferred): %v", stmtErr)
			}
			if !db.IsCheckViolation(err) {
				t.Fatalf("commit: %v, want a check violation", err)
			}
		})
	}
	// Swapping owners in one transaction is fine: checked at commit only.
	err := db.InTx(ctx, s.App.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE memberships SET role = 'admin' WHERE organization_id = $1 AND user_id = $2`, orgID, owner.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE memberships SET role = 'owner' WHERE organization_id = $1 AND user_id = $2`, orgID, admin.ID)
		return err
	})
	if err != nil {
		t.Fatalf("owner swap: %v", err)
	}
	// Deleting the org with its memberships is fine too.
	if _, err := s.App.DB.Exec(ctx, `DELETE FROM organizations WHERE id = $1`, orgID); err != nil {
		t.Fatalf("delete org: %v", err)
	}
}

// TestMembershipWritesBumpPermVersion: every write path, including
// cascades and TRUNCATE, moves the org's perm_version in the same
// transaction.
func TestMembershipWritesBumpPermVersion(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	other := s.CreateUser(t, "other")
	orgID := s.CreateGroupOrg(t, owner, "versioned")
	ctx := context.Background()
	version := func() int64 {
		var v int64
		if err := s.App.DB.QueryRow(ctx, `SELECT perm_version FROM organizations WHERE id = $1`, orgID).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	steps := []struct{ name, sql string }{
		{"insert", `INSERT INTO memberships (user_id, organization_id, role) VALUES ($2, $1, 'member')`},
		{"update", `UPDATE memberships SET role = 'admin' WHERE organization_id = $1 AND user_id = $2`},
		{"no-op update", `UPDATE memberships SET updated_at = now() WHERE organization_id = $1 AND user_id = $2`},
		{"delete", `DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2`},
		{"re-insert", `INSERT INTO memberships (user_id, organization_id, role) VALUES ($2, $1, 'member')`},
		{"cascade from user deletion", `DELETE FROM users WHERE id = $2 AND $1::bigint > 0`},
	}
	for _, st := range steps {
		if st.name == "cascade from user deletion" {
			// Account deletion removes the personal org before the user.
			if _, err := s.App.DB.Exec(ctx, `DELETE FROM organizations WHERE creator_id = $1 AND type = 'personal'`, other.ID); err != nil {
				t.Fatal(err)
			}
		}
		before := version()
		if _, err := s.App.DB.Exec(ctx, st.sql, orgID, other.ID); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if after := version(); after <= before {
			t.Fatalf("%s: perm_version %d → %d", st.name, before, after)
		}
	}
}
