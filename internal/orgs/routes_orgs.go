package orgs

import (
	"context"
	"net/http"

	"apistarter/internal/auth"
	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
)

type orgOut struct{ Body Org }

type orgPageOut struct{ Body httpapi.Page[Org] }

type listOrgsIn struct {
	httpapi.PageParams
}

type createOrgIn struct {
	Body struct {
		Name string  `json:"name" minLength:"1" maxLength:"255"`
		Slug *string `json:"slug,omitempty" required:"false" minLength:"1" maxLength:"50" pattern:"^[a-z0-9][a-z0-9_-]*$" doc:"Lowercase letters, digits, - and _; derived from the name when omitted"`
	}
}

type renameOrgIn struct {
	orgSlugPath
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"255"`
	}
}

func registerOrgRoutes(api huma.API, svc *Service, limits Limits) {
	huma.Register(api, op("orgs-list", http.MethodGet, "/orgs/", "List my organizations", 0),
		func(ctx context.Context, in *listOrgsIn) (*orgPageOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			items, n, err := svc.ListMyOrgs(ctx, p.UserID, in.Limit, in.Offset)
			if err != nil {
				return nil, err
			}
			return &orgPageOut{Body: httpapi.Page[Org]{Items: items, Count: n}}, nil
		})

	create := op("orgs-create", http.MethodPost, "/orgs/", "Create a group organization", http.StatusCreated)
	create.Errors = []int{http.StatusTooManyRequests}
	huma.Register(api, create,
		func(ctx context.Context, in *createOrgIn) (*orgOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			if err := limits.allowCreate(ctx, p.UserID); err != nil {
				return nil, err
			}
			o, err := svc.CreateGroupOrg(ctx, p.UserID, in.Body.Name, in.Body.Slug)
			if err != nil {
				return nil, err
			}
			return &orgOut{Body: o}, nil
		})

	huma.Register(api, op("orgs-get", http.MethodGet, "/orgs/{org_slug}/", "Get an organization with my role", 0),
		func(ctx context.Context, _ *orgSlugPath) (*orgOut, error) {
			o, err := svc.GetOrg(ctx, ScopeFrom(ctx))
			if err != nil {
				return nil, err
			}
			return &orgOut{Body: o}, nil
		})

	huma.Register(api, op("orgs-rename", http.MethodPatch, "/orgs/{org_slug}/", "Rename an organization (admin+)", 0),
		func(ctx context.Context, in *renameOrgIn) (*orgOut, error) {
			o, err := svc.RenameOrg(ctx, ScopeFrom(ctx), in.Body.Name)
			if err != nil {
				return nil, err
			}
			return &orgOut{Body: o}, nil
		})

	huma.Register(api, op("orgs-delete", http.MethodDelete, "/orgs/{org_slug}/", "Delete a group organization and everything in it (owner)", http.StatusNoContent),
		func(ctx context.Context, _ *orgSlugPath) (*struct{}, error) {
			return nil, svc.DeleteOrg(ctx, ScopeFrom(ctx))
		})
}
