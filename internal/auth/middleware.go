package auth

import (
	"context"
	"strings"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
)

// Authenticator checks Bearer tokens for operations that declare security.
type Authenticator struct {
	tokens  *Tokens
	queries *sqlc.Queries
	now     func() time.Time
}

// NewAuthenticator builds the middleware's state.
func NewAuthenticator(tokens *Tokens, q *sqlc.Queries) *Authenticator {
	return &Authenticator{tokens: tokens, queries: q, now: time.Now}
}

// Middleware is a huma middleware: operations with a security requirement
// need a valid access token bound to a live session. For /orgs/{org_slug}/
// routes the org and membership are fetched in the same query.
func (a *Authenticator) Middleware(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if op == nil || len(op.Security) == 0 {
			next(ctx)
			return
		}
		h := ctx.Header("Authorization")
		raw, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(raw) == "" {
			_ = huma.WriteErr(api, ctx, 401, "", apperr.Unauthorized("Unauthorized"))
			return
		}
		orgSlug := ""
		if strings.Contains(op.Path, "{org_slug}") {
			orgSlug = ctx.Param("org_slug")
		}
		p, access, err := a.Authenticate(ctx.Context(), strings.TrimSpace(raw), orgSlug, strings.Contains(op.Path, "{org_slug}"))
		if err != nil {
			_ = huma.WriteErr(api, ctx, 401, "", err)
			return
		}
		c := WithPrincipal(ctx.Context(), p)
		if access != nil {
			c = WithOrgAccess(c, access)
		}
		next(huma.WithContext(ctx, c))
	}
}

// Authenticate validates an access token and its session; with inOrg it also
// resolves the caller's membership in orgSlug.
func (a *Authenticator) Authenticate(ctx context.Context, raw, orgSlug string, inOrg bool) (*Principal, *OrgAccess, error) {
	claims, err := a.tokens.Parse(raw, TypeAccess)
	if err != nil {
		return nil, nil, tokenInvalid()
	}
	if claims.SessionID == "" {
		return nil, nil, apperr.Unauthorized("Token has no session")
	}
	sid, err := uuid.Parse(claims.SessionID)
	if err != nil {
		return nil, nil, tokenInvalid()
	}
	var st sessionState
	var access *OrgAccess
	if inOrg {
		row, err := a.queries.AuthenticateSessionInOrg(ctx, sqlc.AuthenticateSessionInOrgParams{SessionID: sid, UserID: claims.UserID, OrgSlug: orgSlug})
		if err != nil {
			if db.IsNoRows(err) {
				return nil, nil, sessionInvalid()
			}
			return nil, nil, err
		}
		st = sessionState(sqlc.AuthenticateSessionRow{ID: row.ID, Email: row.Email, Username: row.Username, Slug: row.Slug,
			IsActive: row.IsActive, IsStaff: row.IsStaff, IsSuperuser: row.IsSuperuser, AuthVersion: row.AuthVersion,
			SessionAuthVersion: row.SessionAuthVersion, SessionRevokedAt: row.SessionRevokedAt, SessionExpiresAt: row.SessionExpiresAt})
		access = &OrgAccess{Slug: orgSlug}
		if row.OrgID != nil {
			access.Exists = true
			access.OrgID = *row.OrgID
			access.Name = deref(row.OrgName)
			access.Type = deref(row.OrgType)
			access.Role = deref(row.MemberRole)
		}
	} else {
		row, err := a.queries.AuthenticateSession(ctx, sqlc.AuthenticateSessionParams{SessionID: sid, UserID: claims.UserID})
		if err != nil {
			if db.IsNoRows(err) {
				return nil, nil, sessionInvalid()
			}
			return nil, nil, err
		}
		st = sessionState(row)
	}
	if err := st.check(claims, a.now()); err != nil {
		return nil, nil, err
	}
	return &Principal{
		UserID: st.ID, Email: st.Email, Username: st.Username, Slug: st.Slug,
		IsStaff: st.IsStaff, IsSuperuser: st.IsSuperuser, AuthVersion: st.AuthVersion, SessionID: sid,
	}, access, nil
}

type sessionState sqlc.AuthenticateSessionRow

func (s sessionState) check(c *Claims, now time.Time) error {
	if !s.IsActive {
		return apperr.Unauthorized("User is inactive")
	}
	if c.AuthVersion != s.AuthVersion || s.SessionAuthVersion != s.AuthVersion ||
		s.SessionRevokedAt != nil || !s.SessionExpiresAt.After(now) {
		return sessionInvalid()
	}
	return nil
}

func tokenInvalid() *apperr.Error {
	return apperr.Unauthorized("Given token not valid for any token type").With("code", "token_not_valid")
}

func sessionInvalid() *apperr.Error {
	return apperr.Unauthorized("Session is no longer valid").With("code", "authentication_failed")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
