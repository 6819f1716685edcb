package testutil

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"apistarter/internal/auth"

	"github.com/google/uuid"
)

// User is a fixture user with a live session and an access token.
type User struct {
	ID          int64
	Email       string
	Username    string
	Slug        string
	PersonalOrg string // slug of the personal org
	SessionID   uuid.UUID
	Token       string
}

var fixtureSeq atomic.Int64

// UserOption adjusts a fixture user.
type UserOption func(*userSpec)

type userSpec struct {
	superuser    bool
	passwordHash string
}

// Superuser makes the fixture a platform superuser.
func Superuser() UserOption { return func(s *userSpec) { s.superuser = true } }

// PasswordHash stores a ready-made hash (accounts tests log in with it).
func PasswordHash(h string) UserOption { return func(s *userSpec) { s.passwordHash = h } }

// CreateUser inserts a verified user with a personal org (owner membership)
// and a session, and returns an access token for it.
func (s *Server) CreateUser(t testing.TB, name string, opts ...UserOption) *User {
	t.Helper()
	spec := userSpec{}
	for _, o := range opts {
		o(&spec)
	}
	ctx := context.Background()
	n := fixtureSeq.Add(1)
	username := fmt.Sprintf("%s%d", strings.ToLower(name), n)
	u := &User{Email: username + "@example.com", Username: username, Slug: username, PersonalOrg: username}
	tx, err := s.App.DB.Begin(ctx)
	if err != nil {
		t.Fatalf("fixture: begin: %v", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	err = tx.QueryRow(ctx, `INSERT INTO users (email, username, slug, password_hash, email_verified, is_superuser, is_staff)
		VALUES ($1, $2, $3, $4, true, $5, $5) RETURNING id`, u.Email, u.Username, u.Slug, spec.passwordHash, spec.superuser).Scan(&u.ID)
	if err != nil {
		t.Fatalf("fixture: insert user: %v", err)
	}
	var orgID int64
	if err := tx.QueryRow(ctx, `INSERT INTO organizations (name, slug, type, creator_id) VALUES ($1, $2, 'personal', $3) RETURNING id`,
		u.Username, u.Slug, u.ID).Scan(&orgID); err != nil {
		t.Fatalf("fixture: insert org: %v", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, organization_id, role) VALUES ($1, $2, 'owner')`, u.ID, orgID); err != nil {
		t.Fatalf("fixture: insert membership: %v", err)
	}
	u.SessionID = uuid.New()
	if _, err := tx.Exec(ctx, `INSERT INTO auth_sessions (id, user_id, auth_version, device_name, expires_at) VALUES ($1, $2, 1, 'fixture', $3)`,
		u.SessionID, u.ID, time.Now().Add(auth.RefreshLifetime)); err != nil {
		t.Fatalf("fixture: insert session: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("fixture: commit: %v", err)
	}
	u.Token, err = s.App.Tokens.IssueAccess(u.ID, u.SessionID, 1)
	if err != nil {
		t.Fatalf("fixture: token: %v", err)
	}
	return u
}

// CreateGroupOrg creates a group org owned by owner and returns its slug.
func (s *Server) CreateGroupOrg(t testing.TB, owner *User, slug string) int64 {
	t.Helper()
	ctx := context.Background()
	tx, err := s.App.DB.Begin(ctx)
	if err != nil {
		t.Fatalf("fixture: begin: %v", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var orgID int64
	if err := tx.QueryRow(ctx, `INSERT INTO organizations (name, slug, type, creator_id) VALUES ($1, $2, 'group', $3) RETURNING id`,
		"Org "+slug, slug, owner.ID).Scan(&orgID); err != nil {
		t.Fatalf("fixture: insert group org: %v", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, organization_id, role) VALUES ($1, $2, 'owner')`, owner.ID, orgID); err != nil {
		t.Fatalf("fixture: owner membership: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("fixture: commit: %v", err)
	}
	return orgID
}

// AddMember gives user a role in the org with slug.
func (s *Server) AddMember(t testing.TB, orgSlug string, u *User, role string) {
	t.Helper()
	_, err := s.App.DB.Exec(context.Background(), `INSERT INTO memberships (user_id, organization_id, role)
		SELECT $1, id, $3 FROM organizations WHERE slug = $2`, u.ID, orgSlug, role)
	if err != nil {
		t.Fatalf("fixture: add member: %v", err)
	}
}
