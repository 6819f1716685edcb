package contacts

import (
	"context"
	"net/http"

	"apistarter/internal/auth"
	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"
	"apistarter/internal/tags"

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
	Body tags.Detail
}

// SearchScope throttles list requests with a non-blank search, per user
// (the original's contacts_search).
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
	op := func(id, method, path, summary string) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: "/orgs/{org_slug}/contacts" + path, Summary: summary,
			Tags: []string{"contacts"}, Security: httpapi.Bearer}
	}
	list := op("contacts-list", http.MethodGet, "/", "List contacts")
	list.Middlewares = huma.Middlewares{lim.Middleware(api, SearchScope,
		ratelimit.When(func(ctx huma.Context) bool { return !isBlank(ctx.Query("search")) }))}
	huma.Register(api, list, r.list)
	create := op("contacts-create", http.MethodPost, "/", "Create contact")
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, r.create)
	huma.Register(api, op("contacts-get", http.MethodGet, "/{slug}/", "Get contact"), r.get)
	huma.Register(api, op("contacts-replace", http.MethodPut, "/{slug}/", "Replace contact"), r.replace)
	huma.Register(api, op("contacts-update", http.MethodPatch, "/{slug}/", "Update contact"), r.update)
	huma.Register(api, op("contacts-delete", http.MethodDelete, "/{slug}/", "Delete contact"), r.delete)
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
	return &detailOutput{Body: tags.Detail{Detail: "Contact deleted."}}, nil
}
