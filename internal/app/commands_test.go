package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

func TestCreateSuperuserCanLogInAtOnce(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	ctx := context.Background()
	var out bytes.Buffer
	if err := s.App.CreateSuperuser(ctx, "Root@Example.com", "a-long-admin-passphrase", &out); err != nil {
		t.Fatalf("createsuperuser: %v", err)
	}
	var super, verified, active bool
	if err := s.App.DB.QueryRow(ctx, `SELECT is_superuser, email_verified, is_active FROM users WHERE email = 'root@example.com'`).Scan(&super, &verified, &active); err != nil {
		t.Fatal(err)
	}
	if !super || !verified || !active {
		t.Fatalf("superuser=%v verified=%v active=%v", super, verified, active)
	}
	resp := s.Do(t, "POST", "/api/v1/token/pair", "", strings.NewReader(`{"email":"root@example.com","password":"a-long-admin-passphrase"}`), nil)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	if err := s.App.CreateSuperuser(ctx, "root@example.com", "a-long-admin-passphrase", &out); err == nil {
		t.Fatal("a second superuser with the same email was created")
	}
	if err := s.App.CreateSuperuser(ctx, "weak@example.com", "12345678", &out); err == nil || !strings.Contains(err.Error(), "too common") {
		t.Fatalf("weak password: %v", err)
	}
	if err := s.App.CreateSuperuser(ctx, "nopass@example.com", "", &out); err == nil {
		t.Fatal("superuser without a password")
	}
}

func TestSeedDemoIsIdempotent(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	ctx := context.Background()
	for range 2 {
		var out bytes.Buffer
		if err := s.App.SeedDemo(ctx, "demo@example.com", "demo-passphrase-42", &out); err != nil {
			t.Fatalf("seed-demo: %v", err)
		}
	}
	var users, owners, contacts, tags, customers int
	err := s.App.DB.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM users WHERE email = 'demo@example.com' AND email_verified),
		(SELECT count(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id JOIN users u ON u.id = m.user_id
		  WHERE o.slug = 'demo-team' AND o.type = 'group' AND m.role = 'owner' AND u.email = 'demo@example.com'),
		(SELECT count(*) FROM contacts c JOIN organizations o ON o.id = c.organization_id WHERE o.slug = 'demo-team'),
		(SELECT count(*) FROM tags t JOIN organizations o ON o.id = t.organization_id WHERE o.slug = 'demo-team'),
		(SELECT count(*) FROM tagged_items ti JOIN tags t ON t.id = ti.tag_id JOIN contacts c ON c.id = ti.object_id
		  WHERE ti.target_type = 'contacts.contact' AND t.slug = 'customer' AND c.slug = 'sample-contact')`).Scan(&users, &owners, &contacts, &tags, &customers)
	if err != nil {
		t.Fatal(err)
	}
	if users != 1 || owners != 1 || contacts != 3 || tags != 2 || customers != 1 {
		t.Fatalf("users=%d owners=%d contacts=%d tags=%d customers=%d", users, owners, contacts, tags, customers)
	}
	resp := s.Do(t, "POST", "/api/v1/token/pair", "", strings.NewReader(`{"email":"demo@example.com","password":"demo-passphrase-42"}`), nil)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("demo login: %d", resp.StatusCode)
	}
}
