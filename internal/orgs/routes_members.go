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
	huma.Register(api, op("orgs-members-list", http.MethodGet, "/orgs/{org_slug}/members/", "List members", 0),
		func(ctx context.Context, in *listMembersIn) (*memberPageOut, error) {
			items, n, err := svc.ListMembers(ctx, ScopeFrom(ctx), in.Limit, in.Offset)
			if err != nil {
				return nil, err
			}
			return &memberPageOut{Body: httpapi.Page[Member]{Items: items, Count: n}}, nil
		})

	huma.Register(api, op("orgs-members-update", http.MethodPatch, "/orgs/{org_slug}/members/{user_slug}/", "Change a member's role (admin+; owner role by owners)", 0),
		func(ctx context.Context, in *changeRoleIn) (*memberOut, error) {
			m, err := svc.ChangeRole(ctx, ScopeFrom(ctx), in.UserSlug, in.Body.Role)
			if err != nil {
				return nil, err
			}
			return &memberOut{Body: m}, nil
		})

	huma.Register(api, op("orgs-members-remove", http.MethodDelete, "/orgs/{org_slug}/members/{user_slug}/", "Remove a member (admin+; owners by owners)", http.StatusNoContent),
		func(ctx context.Context, in *memberPath) (*struct{}, error) {
			return nil, svc.RemoveMember(ctx, ScopeFrom(ctx), in.UserSlug)
		})

	huma.Register(api, op("orgs-leave", http.MethodPost, "/orgs/{org_slug}/leave/", "Leave an organization", http.StatusNoContent),
		func(ctx context.Context, _ *orgSlugPath) (*struct{}, error) {
			return nil, svc.Leave(ctx, ScopeFrom(ctx))
		})
}
