package tags

import (
	"context"
	"log/slog"
	"net/http"

	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"

	"github.com/danielgtaylor/huma/v2"
)

type listInput struct {
	OrgSlug  string `path:"org_slug"`
	Ordering string `query:"ordering" doc:"name (default), -name, id or -id."`
	httpapi.PageParams
}

type searchInput struct {
	OrgSlug string `path:"org_slug"`
	Q       string `query:"q" doc:"Case-insensitive substring of the name; empty lists every tag."`
	httpapi.PageParams
}

type slugInput struct {
	OrgSlug string `path:"org_slug"`
	Slug    string `path:"slug"`
}

// TagCreate is the body of POST tags/.
type TagCreate struct {
	Name string `json:"name" doc:"Trimmed; 1–50 characters with at least one letter or digit."`
}

// TagUpdate is the body of PATCH tags/{tag_id}/.
type TagUpdate struct {
	Name *string `json:"name,omitempty" required:"false" nullable:"true" doc:"New name; null or absent leaves the tag unchanged."`
}

// RemovedCount is the answer of the bulk unassign.
type RemovedCount struct {
	RemovedCount int64 `json:"removed_count"`
}

type createInput struct {
	OrgSlug string `path:"org_slug"`
	Body    TagCreate
}

type idInput struct {
	OrgSlug string `path:"org_slug"`
	TagID   int64  `path:"tag_id"`
}

type renameInput struct {
	OrgSlug string `path:"org_slug"`
	TagID   int64  `path:"tag_id"`
	Body    TagUpdate
}

// object is the polymorphic target part of a path.
type object struct {
	App, Model string
	ObjID      int64
}

type objectListInput struct {
	OrgSlug  string `path:"org_slug"`
	App      string `path:"app_label" doc:"contacts or organizations"`
	Model    string `path:"model" doc:"contact or organization"`
	ObjID    int64  `path:"obj_id"`
	Ordering string `query:"ordering" doc:"name (default), -name, id or -id."`
	httpapi.PageParams
}

type assignInput struct {
	OrgSlug string   `path:"org_slug"`
	App     string   `path:"app_label" doc:"contacts or organizations"`
	Model   string   `path:"model" doc:"contact or organization"`
	ObjID   int64    `path:"obj_id"`
	Body    []string `doc:"1–50 tag names; missing tags are created."`
}

type unassignInput struct {
	OrgSlug string  `path:"org_slug"`
	App     string  `path:"app_label" doc:"contacts or organizations"`
	Model   string  `path:"model" doc:"contact or organization"`
	ObjID   int64   `path:"obj_id"`
	Body    []int64 `doc:"Ids of the org's tags to detach."`
}

type unassignSlugInput struct {
	OrgSlug string `path:"org_slug"`
	App     string `path:"app_label" doc:"contacts or organizations"`
	Model   string `path:"model" doc:"contact or organization"`
	ObjID   int64  `path:"obj_id"`
	Slug    string `path:"slug"`
}

type pageOutput struct {
	Body httpapi.Page[TagOut]
}

type tagOutput struct {
	Body TagOut
}

type tagsOutput struct {
	Body []TagOut
}

type detailOutput struct {
	Body httpapi.Detail `nameHint:"Detail"`
}

type removedOutput struct {
	Body RemovedCount
}

// Routes holds what the tag handlers need.
type Routes struct {
	svc *Service
	q   *sqlc.Queries
}

// Register mounts the tag routes (every one member+).
func Register(api huma.API, svc *Service) {
	r := &Routes{svc: svc, q: svc.q}
	huma.Register(api, httpapi.Route{ID: "tags-list", Method: http.MethodGet, Path: "/orgs/{org_slug}/tags/",
		Summary: "List organization tags", Tag: "tags"}.Operation(), r.list)
	huma.Register(api, httpapi.Route{ID: "tags-search", Method: http.MethodGet, Path: "/orgs/{org_slug}/tags/search/",
		Summary: "Search organization tags", Tag: "tags"}.Operation(), r.search)
	huma.Register(api, httpapi.Route{ID: "tags-by-slug", Method: http.MethodGet, Path: "/orgs/{org_slug}/tags/by-slug/{slug}/",
		Summary: "Get tag by slug", Tag: "tags"}.Operation(), r.bySlug)
	huma.Register(api, httpapi.Route{ID: "tags-create", Method: http.MethodPost, Path: "/orgs/{org_slug}/tags/",
		Summary: "Create tag", Tag: "tags"}.Operation(), r.create)
	huma.Register(api, httpapi.Route{ID: "tags-update", Method: http.MethodPatch, Path: "/orgs/{org_slug}/tags/{tag_id}/",
		Summary: "Rename tag", Tag: "tags"}.Operation(), r.rename)
	huma.Register(api, httpapi.Route{ID: "tags-delete", Method: http.MethodDelete, Path: "/orgs/{org_slug}/tags/{tag_id}/",
		Summary: "Delete tag", Tag: "tags"}.Operation(), r.delete)
	huma.Register(api, httpapi.Route{ID: "tags-object-list", Method: http.MethodGet, Path: "/orgs/{org_slug}/tags/{app_label}/{model}/{obj_id}/",
		Summary: "List object tags", Tag: "tags"}.Operation(), r.objectList)
	huma.Register(api, httpapi.Route{ID: "tags-object-assign", Method: http.MethodPost, Path: "/orgs/{org_slug}/tags/{app_label}/{model}/{obj_id}/",
		Summary: "Assign tags to object", Tag: "tags"}.Operation(), r.assign)
	huma.Register(api, httpapi.Route{ID: "tags-object-unassign", Method: http.MethodDelete, Path: "/orgs/{org_slug}/tags/{app_label}/{model}/{obj_id}/",
		Summary: "Bulk unassign object tags", Tag: "tags"}.Operation(), r.unassign)
	huma.Register(api, httpapi.Route{ID: "tags-object-unassign-slug", Method: http.MethodDelete, Path: "/orgs/{org_slug}/tags/{app_label}/{model}/{obj_id}/{slug}/",
		Summary: "Unassign object tag by slug", Tag: "tags"}.Operation(), r.unassignSlug)
}

func (r *Routes) list(ctx context.Context, in *listInput) (*pageOutput, error) {
	p, err := r.svc.List(ctx, orgs.ScopeFrom(ctx).OrgID, httpapi.Enumerated(ctx, "ordering", in.Ordering), in.PageParams)
	if err != nil {
		return nil, err
	}
	return &pageOutput{Body: p}, nil
}

func (r *Routes) search(ctx context.Context, in *searchInput) (*pageOutput, error) {
	p, err := r.svc.Search(ctx, orgs.ScopeFrom(ctx).OrgID, in.Q, in.PageParams)
	if err != nil {
		return nil, err
	}
	return &pageOutput{Body: p}, nil
}

func (r *Routes) bySlug(ctx context.Context, in *slugInput) (*tagOutput, error) {
	t, err := r.svc.BySlug(ctx, orgs.ScopeFrom(ctx).OrgID, in.Slug)
	if err != nil {
		return nil, err
	}
	return &tagOutput{Body: t}, nil
}

func (r *Routes) create(ctx context.Context, in *createInput) (*tagOutput, error) {
	sc := orgs.ScopeFrom(ctx)
	t, err := r.svc.Create(ctx, sc.OrgID, in.Body.Name)
	if err != nil {
		return nil, err
	}
	audit(ctx, "tag_create", sc.OrgID, sc.UserID, Target{}, slogTagID(t.ID))
	return &tagOutput{Body: t}, nil
}

func (r *Routes) rename(ctx context.Context, in *renameInput) (*tagOutput, error) {
	t, err := r.svc.Rename(ctx, orgs.ScopeFrom(ctx).OrgID, in.TagID, in.Body.Name)
	if err != nil {
		return nil, err
	}
	return &tagOutput{Body: t}, nil
}

func (r *Routes) delete(ctx context.Context, in *idInput) (*detailOutput, error) {
	sc := orgs.ScopeFrom(ctx)
	if err := r.svc.Delete(ctx, sc.OrgID, in.TagID); err != nil {
		return nil, err
	}
	audit(ctx, "tag_delete", sc.OrgID, sc.UserID, Target{}, slogTagID(in.TagID))
	return &detailOutput{Body: httpapi.Detail{Detail: "deleted"}}, nil
}

// target resolves the path's object in the scope org.
func (r *Routes) target(ctx context.Context, in object) (orgs.Scope, Target, error) {
	sc := orgs.ScopeFrom(ctx)
	t, err := ResolveTarget(ctx, r.q, sc.OrgID, in.App, in.Model, in.ObjID)
	return sc, t, err
}

func (r *Routes) objectList(ctx context.Context, in *objectListInput) (*pageOutput, error) {
	sc, t, err := r.target(ctx, object{in.App, in.Model, in.ObjID})
	if err != nil {
		return nil, err
	}
	p, err := r.svc.ObjectTags(ctx, sc.OrgID, t, httpapi.Enumerated(ctx, "ordering", in.Ordering), in.PageParams)
	if err != nil {
		return nil, err
	}
	return &pageOutput{Body: p}, nil
}

func (r *Routes) assign(ctx context.Context, in *assignInput) (*tagsOutput, error) {
	sc, t, err := r.target(ctx, object{in.App, in.Model, in.ObjID})
	if err != nil {
		return nil, err
	}
	out, err := r.svc.Assign(ctx, sc.OrgID, sc.UserID, t, in.Body)
	if err != nil {
		return nil, err
	}
	return &tagsOutput{Body: out}, nil
}

func (r *Routes) unassign(ctx context.Context, in *unassignInput) (*removedOutput, error) {
	sc, t, err := r.target(ctx, object{in.App, in.Model, in.ObjID})
	if err != nil {
		return nil, err
	}
	n, err := r.svc.Unassign(ctx, sc.OrgID, sc.UserID, t, in.Body)
	if err != nil {
		return nil, err
	}
	return &removedOutput{Body: RemovedCount{RemovedCount: n}}, nil
}

func (r *Routes) unassignSlug(ctx context.Context, in *unassignSlugInput) (*detailOutput, error) {
	sc, t, err := r.target(ctx, object{in.App, in.Model, in.ObjID})
	if err != nil {
		return nil, err
	}
	if err := r.svc.UnassignSlug(ctx, sc.OrgID, sc.UserID, t, in.Slug); err != nil {
		return nil, err
	}
	return &detailOutput{Body: httpapi.Detail{Detail: "removed"}}, nil
}

func slogTagID(id int64) slog.Attr { return slog.Int64("tag_id", id) }
