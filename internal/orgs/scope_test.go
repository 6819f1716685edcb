package orgs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"apistarter/internal/auth"
	"apistarter/internal/httpapi"
	"apistarter/internal/logctx"
	"apistarter/internal/orgs"

	"github.com/danielgtaylor/huma/v2"
)

// TestSuperuserEntryIsAudited drives ScopeMiddleware with a given principal
// and org lookup, and reads the structured log it writes.
func TestSuperuserEntryIsAudited(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		p          auth.Principal
		access     auth.OrgAccess
		wantStatus int
		wantRole   string
		audited    bool
	}{
		{"superuser outside the org", auth.Principal{UserID: 7, IsSuperuser: true}, auth.OrgAccess{Exists: true, OrgID: 3}, 200, orgs.RolePlatformAdmin, true},
		{"superuser who is a member", auth.Principal{UserID: 7, IsSuperuser: true}, auth.OrgAccess{Exists: true, OrgID: 3, Role: "member"}, 200, orgs.RolePlatformAdmin, false},
		{"superuser, unknown org", auth.Principal{UserID: 7, IsSuperuser: true}, auth.OrgAccess{}, 404, "", false},
		{"staff is nobody special", auth.Principal{UserID: 8, IsStaff: true}, auth.OrgAccess{Exists: true, OrgID: 3}, 404, "", false},
		{"member", auth.Principal{UserID: 9}, auth.OrgAccess{Exists: true, OrgID: 3, Role: "admin"}, 200, orgs.RoleAdmin, false},
	}
	for _, c := range cases {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(c.name+"/"+method, func(t *testing.T) {
				var logs bytes.Buffer
				logger := slog.New(slog.NewJSONHandler(&logs, nil))
				mux := http.NewServeMux()
				api := httpapi.NewAPI(mux, "test")
				api.UseMiddleware(func(ctx huma.Context, next func(huma.Context)) {
					cx := logctx.WithLogger(ctx.Context(), logger)
					p, a := c.p, c.access
					cx = auth.WithOrgAccess(auth.WithPrincipal(cx, &p), &a)
					next(huma.WithContext(ctx, cx))
				}, orgs.ScopeMiddleware(api))
				var gotRole string
				handler := func(ctx context.Context, _ *struct {
					Slug string `path:"org_slug"`
				}) (*struct{}, error) {
					gotRole = orgs.ScopeFrom(ctx).Role
					return nil, nil
				}
				huma.Register(api, huma.Operation{Method: method, Path: "/orgs/{org_slug}/thing", DefaultStatus: 200}, handler)
				resp := httptest.NewRecorder()
				mux.ServeHTTP(resp, httptest.NewRequest(method, "/api/v1/orgs/acme/thing", nil))
				if resp.Code != c.wantStatus || gotRole != c.wantRole {
					t.Fatalf("status %d role %q, want %d %q; body %s", resp.Code, gotRole, c.wantStatus, c.wantRole, resp.Body)
				}
				if c.wantStatus == 404 && strings.TrimSpace(resp.Body.String()) != `{"detail":"Organization not found"}` {
					t.Fatalf("404 body %s", resp.Body)
				}
				var ev map[string]any
				_ = json.Unmarshal(logs.Bytes(), &ev)
				if got := ev["event"] == "platform_admin_tenant_access"; got != c.audited {
					t.Fatalf("audited %v, want %v: %s", got, c.audited, logs.String())
				}
				if c.audited {
					wantAccess := map[string]string{http.MethodGet: "read", http.MethodPost: "write"}[method]
					if ev["org_id"] != float64(3) || ev["user_id"] != float64(7) || ev["method"] != method ||
						ev["path"] != "/api/v1/orgs/acme/thing" || ev["access"] != wantAccess {
						t.Fatalf("audit event %v", ev)
					}
				}
			})
		}
	}
}
