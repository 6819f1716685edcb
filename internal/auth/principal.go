package auth

import (
	"context"

	"apistarter/internal/db/sqlc"

	"github.com/google/uuid"
)

// Principal is the authenticated user of a request.
type Principal struct {
	UserID      int64
	Email       string
	Username    string
	Slug        string
	IsStaff     bool
	IsSuperuser bool
	AuthVersion int64
	SessionID   uuid.UUID
	// Profile is the caller's profile when the operation asked for it
	// (Authenticator.LoadProfileFor); nil otherwise.
	Profile *sqlc.AccountProfileRow
}

// OrgAccess is what the authentication query learned about the org in the
// path: whether it exists and the caller's membership role ("" for none).
type OrgAccess struct {
	Slug   string
	Exists bool
	OrgID  int64
	Name   string
	Type   string
	Role   string
}

type principalKey struct{}
type orgAccessKey struct{}

// PrincipalFrom returns the authenticated principal, if any.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok
}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// OrgAccessFrom returns the org lookup done while authenticating.
func OrgAccessFrom(ctx context.Context) (*OrgAccess, bool) {
	a, ok := ctx.Value(orgAccessKey{}).(*OrgAccess)
	return a, ok
}

// WithOrgAccess stores a in ctx.
func WithOrgAccess(ctx context.Context, a *OrgAccess) context.Context {
	return context.WithValue(ctx, orgAccessKey{}, a)
}
