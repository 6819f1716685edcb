package orgs

import (
	"context"
	"net/http"

	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
)

type memberOut struct{ Body Member }

type memberPageOut struct{ Body httpapi.Page[Member] }

type listMembersIn struct {
	orgSlugPath
	httpapi.PageParams
}

type memberPath struct {
	orgSlugPath
	UserSlug string `path:"user_slug" maxLength:"50" doc:"The member's user slug"`
}

// changeRoleIn repeats memberPath's fields: huma does not resolve path
// parameters of a struct embedded two levels deep.
type changeRoleIn struct {
	orgSlugPath
	UserSlug string `path:"user_slug" maxLength:"50" doc:"The member's user slug"`
	Body     struct {
		Role string `json:"role" enum:"owner,admin,member"`
	}
}

func registerMemberRoutes(api huma.API, svc *Service) {
	huma.Register(api, httpapi.Route{ID: "orgs-members-list", Method: http.MethodGet, Path: "/orgs/{org_slug}/members/",
		Summary: "List members", Tag: "organizations"}.Operation(),
		func(ctx context.Context, in *listMembersIn) (*memberPageOut, error) {
			items, n, err := svc.ListMembers(ctx, ScopeFrom(ctx), in.Limit, in.Offset)
			if err != nil {
				return nil, err
			}
			return &memberPageOut{Body: httpapi.Page[Member]{Items: items, Count: n}}, nil
		})

	huma.Register(api, httpapi.Route{ID: "orgs-members-update", Method: http.MethodPatch, Path: "/orgs/{org_slug}/members/{user_slug}/",
		Summary: "Change a member's role (admin+; owner role by owners)", Tag: "organizations"}.Operation(),
		func(ctx context.Context, in *changeRoleIn) (*memberOut, error) {
			m, err := svc.ChangeRole(ctx, ScopeFrom(ctx), in.UserSlug, in.Body.Role)
			if err != nil {
				return nil, err
			}
			return &memberOut{Body: m}, nil
		})

	huma.Register(api, httpapi.Route{ID: "orgs-members-remove", Method: http.MethodDelete, Path: "/orgs/{org_slug}/members/{user_slug}/",
		Summary: "Remove a member (admin+; owners by owners)", Tag: "organizations", Status: http.StatusNoContent}.Operation(),
		func(ctx context.Context, in *memberPath) (*struct{}, error) {
			return nil, svc.RemoveMember(ctx, ScopeFrom(ctx), in.UserSlug)
		})

	huma.Register(api, httpapi.Route{ID: "orgs-leave", Method: http.MethodPost, Path: "/orgs/{org_slug}/leave/",
		Summary: "Leave an organization", Tag: "organizations", Status: http.StatusNoContent}.Operation(),
		func(ctx context.Context, _ *orgSlugPath) (*struct{}, error) {
			return nil, svc.Leave(ctx, ScopeFrom(ctx))
		})
}
