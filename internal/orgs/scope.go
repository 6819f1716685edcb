package orgs

import (
	"context"
	"log/slog"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/logctx"

	"github.com/danielgtaylor/huma/v2"
)

// Roles of a membership, plus the role a superuser acts with.
const (
	RoleOwner         = "owner"
	RoleAdmin         = "admin"
	RoleMember        = "member"
	RolePlatformAdmin = "platform_admin"
)

// Scope is the resolved tenant of a request. The scope middleware is the
// only way to obtain one, so every org-scoped query gets its org id from here.
type Scope struct {
	OrgID  int64
	Slug   string
	Name   string
	Type   string
	Role   string
	UserID int64
}

// CanWrite reports editor rights (every role, including member).
func (s Scope) CanWrite() bool { return s.Role != "" }

// CanAdmin reports admin rights: admin, owner or platform admin.
func (s Scope) CanAdmin() bool {
	return s.Role == RoleAdmin || s.Role == RoleOwner || s.Role == RolePlatformAdmin
}

// IsOwner reports the owner role (platform admins act as owners).
func (s Scope) IsOwner() bool { return s.Role == RoleOwner || s.Role == RolePlatformAdmin }

// RequireAdmin returns a 403 unless the scope can administer (admin, owner
// or platform admin).
func (s Scope) RequireAdmin() error {
	if !s.CanAdmin() {
		return apperr.Forbidden(msgAdminsOnly)
	}
	return nil
}

type scopeKey struct{}

// ScopeFrom returns the request's scope. Handlers of org routes can rely on
// it: the middleware answers 404 before the handler runs when there is none.
func ScopeFrom(ctx context.Context) Scope {
	s, _ := ctx.Value(scopeKey{}).(Scope)
	return s
}

// WithScope stores s in ctx (used by the middleware and by tests).
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeMiddleware turns the org lookup done during authentication into a
// Scope. Unknown and foreign orgs get the same 404; superusers enter any
// existing org as platform_admin, and entering without membership is audited.
func ScopeMiddleware(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		access, ok := auth.OrgAccessFrom(ctx.Context())
		if !ok {
			next(ctx)
			return
		}
		p, _ := auth.PrincipalFrom(ctx.Context())
		if !access.Exists || (access.Role == "" && (p == nil || !p.IsSuperuser)) {
			_ = huma.WriteErr(api, ctx, 404, "", apperr.OrgNotFound())
			return
		}
		s := Scope{OrgID: access.OrgID, Slug: access.Slug, Name: access.Name, Type: access.Type, Role: access.Role, UserID: p.UserID}
		if p.IsSuperuser {
			if access.Role == "" {
				mode := "write"
				if m := ctx.Method(); m == "GET" || m == "HEAD" || m == "OPTIONS" {
					mode = "read"
				}
				logctx.Logger(ctx.Context()).LogAttrs(ctx.Context(), slog.LevelWarn, "platform_admin_tenant_access",
					slog.String("event", "platform_admin_tenant_access"),
					slog.Int64("org_id", access.OrgID), slog.Int64("user_id", p.UserID),
					slog.String("method", ctx.Method()), slog.String("path", ctx.URL().Path), slog.String("access", mode))
			}
			s.Role = RolePlatformAdmin
		}
		next(huma.WithContext(ctx, WithScope(ctx.Context(), s)))
	}
}
