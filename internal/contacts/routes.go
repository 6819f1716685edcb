package contacts

import (
	"context"
	"net/http"

	"apistarter/internal/auth"
	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

type listInput struct {
	OrgSlug   string `path:"org_slug"`
	Search    string `query:"search" maxLength:"200" doc:"Whitespace-separated terms (at most 10); each must occur in display_name, first_name, last_name, email or notes. Results are ranked by where the whole string occurs."`
	SortBy    string `query:"sort_by" enum:"display_name,first_name,last_name,email,created_at,updated_at" default:"display_name"`
	SortOrder string `query:"sort_order" enum:"asc,desc" default:"asc" doc:"Ties are broken by id ascending."`
	httpapi.PageParams
}

type slugInput struct {
	OrgSlug string `path:"org_slug"`
	Slug    string `path:"slug"`
}

type createInput struct {
	OrgSlug string `path:"org_slug"`
	Body    ContactIn
}

type replaceInput struct {
	OrgSlug string `path:"org_slug"`
	Slug    string `path:"slug"`
	Body    ContactReplace
}

type updateInput struct {
	OrgSlug string `path:"org_slug"`
	Slug    string `path:"slug"`
	Body    ContactUpdate
}

type pageOutput struct {
	Body httpapi.Page[ContactOut]
}

type contactOutput struct {
	Body ContactOut
}

type detailOutput struct {
	Body httpapi.Detail `nameHint:"Detail"`
}

// SearchScope throttles list requests with a non-blank search, per user:
// a search scans the org's contacts, a plain list page does not.
var SearchScope = ratelimit.Scope{Name: "contacts_search", Rate: ratelimit.PerMinute(60)}

// Routes holds what the contact handlers need.
type Routes struct {
	svc *Service
}

// Register mounts the contact routes (every one member+). lim throttles
// searches; like every throttle it runs before query validation, so invalid
// searches count too.
func Register(api huma.API, svc *Service, lim *ratelimit.Limiter) {
	r := &Routes{svc: svc}
	searching := ratelimit.When(func(ctx huma.Context) bool { return !isBlank(ctx.Query("search")) })
	huma.Register(api, httpapi.Route{ID: "contacts-list", Method: http.MethodGet, Path: "/orgs/{org_slug}/contacts/",
		Summary: "List contacts", Tag: "contacts",
		Middlewares: huma.Middlewares{lim.Middleware(api, SearchScope, searching)}}.Operation(), r.list)
	huma.Register(api, httpapi.Route{ID: "contacts-create", Method: http.MethodPost, Path: "/orgs/{org_slug}/contacts/",
		Summary: "Create contact", Tag: "contacts", Status: http.StatusCreated}.Operation(), r.create)
	huma.Register(api, httpapi.Route{ID: "contacts-get", Method: http.MethodGet, Path: "/orgs/{org_slug}/contacts/{slug}/",
		Summary: "Get contact", Tag: "contacts"}.Operation(), r.get)
	huma.Register(api, httpapi.Route{ID: "contacts-replace", Method: http.MethodPut, Path: "/orgs/{org_slug}/contacts/{slug}/",
		Summary: "Replace contact", Tag: "contacts"}.Operation(), r.replace)
	huma.Register(api, httpapi.Route{ID: "contacts-update", Method: http.MethodPatch, Path: "/orgs/{org_slug}/contacts/{slug}/",
		Summary: "Update contact", Tag: "contacts"}.Operation(), r.update)
	huma.Register(api, httpapi.Route{ID: "contacts-delete", Method: http.MethodDelete, Path: "/orgs/{org_slug}/contacts/{slug}/",
		Summary: "Delete contact", Tag: "contacts"}.Operation(), r.delete)
}

func (r *Routes) list(ctx context.Context, in *listInput) (*pageOutput, error) {
	p, err := r.svc.List(ctx, orgs.ScopeFrom(ctx), ListParams{Search: in.Search, SortBy: in.SortBy, SortOrder: in.SortOrder, PageParams: in.PageParams})
	if err != nil {
		return nil, err
	}
	return &pageOutput{Body: p}, nil
}

func (r *Routes) create(ctx context.Context, in *createInput) (*contactOutput, error) {
	creator := ""
	if p, ok := auth.PrincipalFrom(ctx); ok {
		creator = p.Slug
	}
	c, err := r.svc.Create(ctx, orgs.ScopeFrom(ctx), creator, &in.Body.Fields)
	if err != nil {
		return nil, err
	}
	return &contactOutput{Body: c}, nil
}

func (r *Routes) get(ctx context.Context, in *slugInput) (*contactOutput, error) {
	c, err := r.svc.Get(ctx, orgs.ScopeFrom(ctx), in.Slug)
	if err != nil {
		return nil, err
	}
	return &contactOutput{Body: c}, nil
}

func (r *Routes) replace(ctx context.Context, in *replaceInput) (*contactOutput, error) {
	c, err := r.svc.Replace(ctx, orgs.ScopeFrom(ctx), in.Slug, &in.Body.Fields)
	if err != nil {
		return nil, err
	}
	return &contactOutput{Body: c}, nil
}

func (r *Routes) update(ctx context.Context, in *updateInput) (*contactOutput, error) {
	c, err := r.svc.Patch(ctx, orgs.ScopeFrom(ctx), in.Slug, &in.Body.Fields)
	if err != nil {
		return nil, err
	}
	return &contactOutput{Body: c}, nil
}

func (r *Routes) delete(ctx context.Context, in *slugInput) (*detailOutput, error) {
	if err := r.svc.Delete(ctx, orgs.ScopeFrom(ctx), in.Slug); err != nil {
		return nil, err
	}
	return &detailOutput{Body: httpapi.Detail{Detail: "Contact deleted."}}, nil
}
