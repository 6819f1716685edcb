package orgs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/jobs"
	"apistarter/internal/orgs"
	"apistarter/internal/testutil"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func newService(t *testing.T) (*orgs.Service, *pgxpool.Pool) {
	t.Helper()
	pool, _ := testutil.Pool(t)
	return orgs.NewService(pool, nil, jobs.NewOutbox(), testutil.Logger(t), time.Hour), pool
}

func insertUser(t *testing.T, pool *pgxpool.Pool, tx pgx.Tx, name string) int64 {
	t.Helper()
	var id int64
	err := tx.QueryRow(context.Background(), `INSERT INTO users (email, username, slug) VALUES ($1, $2, $2) RETURNING id`,
		name+"@example.com", name).Scan(&id)
	if err != nil {
		t.Fatalf("insert user: %v", err)
	}
	return id
}

// createUser is the accounts flow: user row and personal org in one tx.
func createUser(t *testing.T, svc *orgs.Service, pool *pgxpool.Pool, name, slug string) (userID, orgID int64) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		userID = insertUser(t, pool, tx, name)
		var err error
		orgID, err = svc.CreatePersonalOrg(ctx, tx, userID, name, slug)
		return err
	})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return userID, orgID
}

func orgSlug(t *testing.T, pool *pgxpool.Pool, id int64) (slug, name string) {
	t.Helper()
	if err := pool.QueryRow(context.Background(), `SELECT slug, name FROM organizations WHERE id = $1`, id).Scan(&slug, &name); err != nil {
		t.Fatalf("org %d: %v", id, err)
	}
	return slug, name
}

func TestPersonalOrgSlugIsMadeUnique(t *testing.T) {
	t.Parallel()
	svc, pool := newService(t)
	ctx := context.Background()
	// Other personal orgs already hold "jane" and "jane-1".
	createUser(t, svc, pool, "j0", "jane")
	createUser(t, svc, pool, "j1", "jane")
	uid, oid := createUser(t, svc, pool, "jane", "jane")
	slug, name := orgSlug(t, pool, oid)
	if slug != "jane-2" || name != "jane" {
		t.Fatalf("slug %q name %q, want jane-2 jane", slug, name)
	}
	var role string
	if err := pool.QueryRow(ctx, `SELECT role FROM memberships WHERE user_id=$1 AND organization_id=$2`, uid, oid).Scan(&role); err != nil || role != "owner" {
		t.Fatalf("owner membership: %q %v", role, err)
	}

	long := strings.Repeat("x", 50)
	createUser(t, svc, pool, "x0", long)
	createUser(t, svc, pool, "x1", long)
	_, oid = createUser(t, svc, pool, "x", long)
	if slug, _ := orgSlug(t, pool, oid); slug != long[:48]+"-2" {
		t.Fatalf("long slug %q", slug)
	}
}

func TestPersonalOrgDefaultsAndIdempotence(t *testing.T) {
	t.Parallel()
	svc, pool := newService(t)
	ctx := context.Background()
	var uid, first, second int64
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		uid = insertUser(t, pool, tx, "nobody")
		var err error
		if first, err = svc.CreatePersonalOrg(ctx, tx, uid, "", ""); err != nil {
			return err
		}
		second, err = svc.CreatePersonalOrg(ctx, tx, uid, "", "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slug, name := orgSlug(t, pool, first)
	want := fmt.Sprintf("user-%d", uid)
	if first != second || slug != want || name != want {
		t.Fatalf("orgs %d %d slug %q name %q", first, second, slug, name)
	}
}

func TestDeleteAccountOrgsNeedsAnotherActiveOwner(t *testing.T) {
	t.Parallel()
	svc, pool := newService(t)
	ctx := context.Background()
	alice, alicePersonal := createUser(t, svc, pool, "alice", "alice")
	bob, _ := createUser(t, svc, pool, "bob", "bob")
	var group int64
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (name, slug, type) VALUES ('Acme', 'acme', 'group') RETURNING id`).Scan(&group); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, organization_id, role) VALUES ($1, $2, 'owner'), ($3, $2, 'admin')`, alice, group, bob)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	deleteAlice := func() error {
		return db.InTx(ctx, pool, func(tx pgx.Tx) error {
			if err := svc.DeleteAccountOrgs(ctx, tx, alice); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, alice)
			return err
		})
	}
	err = deleteAlice()
	var ae *apperr.Error
	if !asAppErr(err, &ae) || ae.GetStatus() != 409 || ae.Detail != "Promote another active owner for Acme first." {
		t.Fatalf("delete as last owner: %v", err)
	}
	// An inactive second owner does not count.
	if _, err := pool.Exec(ctx, `UPDATE memberships SET role='owner' WHERE user_id=$1 AND organization_id=$2`, bob, group); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE users SET is_active=false WHERE id=$1`, bob); err != nil {
		t.Fatal(err)
	}
	if err := deleteAlice(); !asAppErr(err, &ae) || ae.GetStatus() != 409 {
		t.Fatalf("delete with inactive co-owner: %v", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE users SET is_active=true WHERE id=$1`, bob); err != nil {
		t.Fatal(err)
	}
	if err := deleteAlice(); err != nil {
		t.Fatalf("delete with active co-owner: %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM organizations WHERE id = ANY($1)`, []int64{alicePersonal, group}).Scan(&n); err != nil || n != 1 {
		t.Fatalf("orgs left: %d %v (want the group only)", n, err)
	}
	var payload string
	if err := pool.QueryRow(ctx, `SELECT payload::text FROM outbox WHERE task_type = 'storage:delete-prefix' AND queue = 'maintenance'`).Scan(&payload); err != nil {
		t.Fatalf("storage cleanup task: %v", err)
	}
	want := fmt.Sprintf(`{"prefixes": ["private/images/%d/", "private/exports/%d/"]}`, alicePersonal, alicePersonal)
	if payload != want {
		t.Fatalf("payload %s, want %s", payload, want)
	}
}

func asAppErr(err error, target **apperr.Error) bool { return errors.As(err, target) }
