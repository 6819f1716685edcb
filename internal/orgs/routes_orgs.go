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
	huma.Register(api, httpapi.Route{ID: "orgs-list", Method: http.MethodGet, Path: "/orgs/",
		Summary: "List my organizations", Tag: "organizations"}.Operation(),
		func(ctx context.Context, in *listOrgsIn) (*orgPageOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			items, n, err := svc.ListMyOrgs(ctx, p.UserID, in.Limit, in.Offset)
			if err != nil {
				return nil, err
			}
			return &orgPageOut{Body: httpapi.Page[Org]{Items: items, Count: n}}, nil
		})

	huma.Register(api, httpapi.Route{ID: "orgs-create", Method: http.MethodPost, Path: "/orgs/",
		Summary: "Create a group organization", Tag: "organizations", Status: http.StatusCreated,
		Errors: []int{http.StatusTooManyRequests}}.Operation(),
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

	huma.Register(api, httpapi.Route{ID: "orgs-get", Method: http.MethodGet, Path: "/orgs/{org_slug}/",
		Summary: "Get an organization with my role", Tag: "organizations"}.Operation(),
		func(ctx context.Context, _ *orgSlugPath) (*orgOut, error) {
			o, err := svc.GetOrg(ctx, ScopeFrom(ctx))
			if err != nil {
				return nil, err
			}
			return &orgOut{Body: o}, nil
		})

	huma.Register(api, httpapi.Route{ID: "orgs-rename", Method: http.MethodPatch, Path: "/orgs/{org_slug}/",
		Summary: "Rename an organization (admin+)", Tag: "organizations"}.Operation(),
		func(ctx context.Context, in *renameOrgIn) (*orgOut, error) {
			o, err := svc.RenameOrg(ctx, ScopeFrom(ctx), in.Body.Name)
			if err != nil {
				return nil, err
			}
			return &orgOut{Body: o}, nil
		})

	huma.Register(api, httpapi.Route{ID: "orgs-delete", Method: http.MethodDelete, Path: "/orgs/{org_slug}/",
		Summary: "Delete a group organization and everything in it (owner)", Tag: "organizations", Status: http.StatusNoContent}.Operation(),
		func(ctx context.Context, _ *orgSlugPath) (*struct{}, error) {
			return nil, svc.DeleteOrg(ctx, ScopeFrom(ctx))
		})
}
