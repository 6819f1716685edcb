package auth

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
)

// Authenticator checks Bearer tokens for operations that declare security.
type Authenticator struct {
	tokens     *Tokens
	queries    *sqlc.Queries
	now        func() time.Time
	scopeCache ScopeCache // optional; see scope_cache.go
	// profileOps are the operations (ids) that answer with the caller's
	// profile: it is read in the authentication query (Principal.Profile).
	profileOps map[string]bool
}

// LoadProfileFor makes the authentication of these operations (outside
// /orgs/{org_slug}/) also read the caller's profile, so the handler needs
// no second query on the same user row.
func (a *Authenticator) LoadProfileFor(operationIDs ...string) {
	if a.profileOps == nil {
		a.profileOps = map[string]bool{}
	}
	for _, id := range operationIDs {
		a.profileOps[id] = true
	}
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
		if !httpapi.RequiresToken(op) {
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
			// Slugs are ≤ 50 bytes of valid text; anything else can match no
			// org, and must not reach PostgreSQL (NUL, bad UTF-8 → 500).
			if len(orgSlug) > 50 || !utf8.ValidString(orgSlug) || strings.ContainsRune(orgSlug, 0) {
				orgSlug = ""
			}
		}
		inOrg := strings.Contains(op.Path, "{org_slug}")
		var p *Principal
		var access *OrgAccess
		var err error
		if !inOrg && a.profileOps[op.OperationID] {
			p, err = a.authenticateWithProfile(ctx.Context(), strings.TrimSpace(raw))
		} else {
			p, access, err = a.Authenticate(ctx.Context(), strings.TrimSpace(raw), orgSlug, inOrg)
		}
		if err != nil {
			// Non-domain errors (database down, bad query) must not look like
			// a credential problem or leak internals: the error model turns
			// them into 503/500 with a request id.
			status := 500
			var ae *apperr.Error
			if errors.As(err, &ae) {
				status = ae.GetStatus()
			}
			_ = huma.WriteErr(api, ctx, status, "", err)
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
	claims, sid, err := a.parseAccess(raw)
	if err != nil {
		return nil, nil, err
	}
	var st sessionState
	var access *OrgAccess
	var observe func()
	if inOrg {
		var cached CachedRole
		if a.scopeCache != nil {
			cached, _ = a.scopeCache.Lookup(ctx, claims.UserID, orgSlug)
		}
		row, err := a.queries.AuthenticateSessionInOrg(ctx, sqlc.AuthenticateSessionInOrgParams{SessionID: sid, UserID: claims.UserID, OrgSlug: orgSlug,
			CachedOrgID: cached.OrgID, CachedPermVersion: cached.PermVersion})
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
			access.Role = row.MemberRole
			if row.RoleCached {
				access.Role = cached.Role
			}
			if a.scopeCache != nil {
				fresh := CachedRole{OrgID: *row.OrgID, PermVersion: *row.OrgPermVersion, Role: access.Role}
				observe = func() { a.scopeCache.Observe(ctx, st.ID, orgSlug, row.RoleCached, fresh) }
			}
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
	if observe != nil {
		observe()
	}
	return &Principal{
		UserID: st.ID, Email: st.Email, Username: st.Username, Slug: st.Slug,
		IsStaff: st.IsStaff, IsSuperuser: st.IsSuperuser, AuthVersion: st.AuthVersion, SessionID: sid,
	}, access, nil
}

// authenticateWithProfile is Authenticate outside an org, with the
// caller's profile read by the same query.
func (a *Authenticator) authenticateWithProfile(ctx context.Context, raw string) (*Principal, error) {
	claims, sid, err := a.parseAccess(raw)
	if err != nil {
		return nil, err
	}
	row, err := a.queries.AuthenticateSessionProfile(ctx, sqlc.AuthenticateSessionProfileParams{SessionID: sid, UserID: claims.UserID})
	if err != nil {
		if db.IsNoRows(err) {
			return nil, sessionInvalid()
		}
		return nil, err
	}
	st := sessionState{ID: row.ID, Email: row.Email, Username: row.Username, Slug: row.Slug,
		IsActive: row.IsActive, IsStaff: row.IsStaff, IsSuperuser: row.IsSuperuser, AuthVersion: row.AuthVersion,
		SessionAuthVersion: row.SessionAuthVersion, SessionRevokedAt: row.SessionRevokedAt, SessionExpiresAt: row.SessionExpiresAt}
	if err := st.check(claims, a.now()); err != nil {
		return nil, err
	}
	return &Principal{
		UserID: st.ID, Email: st.Email, Username: st.Username, Slug: st.Slug,
		IsStaff: st.IsStaff, IsSuperuser: st.IsSuperuser, AuthVersion: st.AuthVersion, SessionID: sid,
		Profile: &sqlc.AccountProfileRow{ID: row.ID, Email: row.Email, FirstName: row.FirstName, LastName: row.LastName,
			Username: row.Username, Slug: row.Slug, Location: row.Location, About: row.About, AvatarPath: row.AvatarPath,
			NotificationPreferences: row.NotificationPreferences, PreferredTheme: row.PreferredTheme,
			PreferredLanguage: row.PreferredLanguage, FinishedOnboarding: row.FinishedOnboarding,
			EmailVerified: row.EmailVerified, CreatedAt: row.CreatedAt, OrgName: row.OrgName, OrgSlug: row.OrgSlug},
	}, nil
}

// parseAccess validates an access token and returns its claims and session.
func (a *Authenticator) parseAccess(raw string) (*Claims, uuid.UUID, error) {
	claims, err := a.tokens.Parse(raw, TypeAccess)
	if err != nil {
		return nil, uuid.UUID{}, tokenInvalid()
	}
	if claims.SessionID == "" {
		return nil, uuid.UUID{}, apperr.Unauthorized("Token has no session")
	}
	sid, err := uuid.Parse(claims.SessionID)
	if err != nil {
		return nil, uuid.UUID{}, tokenInvalid()
	}
	return claims, sid, nil
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
