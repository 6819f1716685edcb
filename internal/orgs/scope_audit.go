package orgs

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"apistarter/internal/auth"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/logctx"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

// AuditTenantAccess records every entry of a superuser into an org they are
// not a member of in admin_audit_events (source "api"), next to the log
// line ScopeMiddleware writes, so the admin console lists these entries with
// its own actions. ips resolves the client address as the rate limits do. Install it right after ScopeMiddleware. A failed write is
// logged and the request goes on: the log line is still there.
func (s *Service) AuditTenantAccess(ips *ratelimit.IPResolver) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		access, ok := auth.OrgAccessFrom(ctx.Context())
		p, _ := auth.PrincipalFrom(ctx.Context())
		if ok && access.Exists && access.Role == "" && p != nil && p.IsSuperuser {
			mode := "write"
			if m := ctx.Method(); m == "GET" || m == "HEAD" || m == "OPTIONS" {
				mode = "read"
			}
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx.Context()), 2*time.Second)
			err := s.q.InsertAuditEvent(wctx, sqlc.InsertAuditEventParams{
				Source: "api", Action: "platform_admin_tenant_access", ActorID: &p.UserID, ActorEmail: p.Email,
				TargetType: "org", TargetID: strconv.FormatInt(access.OrgID, 10), Target: access.Slug,
				Detail: mode + " " + ctx.Method() + " " + ctx.URL().Path, ClientIp: clientIP(ctx, ips),
			})
			cancel()
			if err != nil {
				logctx.Logger(ctx.Context()).Warn("orgs: record tenant access", "error", err.Error())
			}
		}
		next(ctx)
	}
}

func clientIP(ctx huma.Context, ips *ratelimit.IPResolver) string {
	var xff []string
	ctx.EachHeader(func(name, value string) {
		if http.CanonicalHeaderKey(name) == "X-Forwarded-For" {
			xff = append(xff, value)
		}
	})
	return ips.ClientIP(ctx.RemoteAddr(), xff)
}
