package images

import (
	"context"
	"net/http"

	"apistarter/internal/httpapi"
	"apistarter/internal/idempotency"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

type bulkDeleteInput struct {
	OrgSlug     string `path:"org_slug"`
	ContentType string `header:"Content-Type" hidden:"true"`
	KeyHeader
	RawBody []byte
}

func (r *routes) registerBulkDelete() {
	o := r.idempotent(httpapi.Route{ID: "bulk-delete-images", Method: http.MethodPost, Path: "/orgs/{org_slug}/bulk-delete/",
		Summary: "Delete several images", Tag: "images", Status: http.StatusNoContent, MaxBody: 1 << 20,
		Description: "Body `{\"ids\": [...]}` (JSON, or repeated `ids` form fields). 204 when every image was deleted; " +
			"otherwise 400 with `deleted` and `failed` (the deletions that succeeded are kept)."},
		ratelimit.Scope{Name: "images_bulk_delete", Rate: ratelimit.PerHour(30)}, nil)
	huma.Register(r.api, o, func(ctx context.Context, in *bulkDeleteInput) (*idempotency.Output, error) {
		ids, err := ParseBulkDeleteIDs(in.ContentType, in.RawBody)
		if err != nil {
			return nil, err
		}
		sc := orgs.ScopeFrom(ctx)
		req, err := idempotency.NewRequest(ctx, sc.UserID, idempotency.FingerprintBody(in.ContentType, in.RawBody))
		if err != nil {
			return nil, err
		}
		res, err := r.svc.BulkDelete(ctx, sc, req, ids)
		if err != nil {
			return nil, err
		}
		return res.Out(), nil
	})
	documentBody(r.api, o.Method, o.Path, &huma.RequestBody{Content: map[string]*huma.MediaType{"application/json": {Schema: &huma.Schema{
		Type: huma.TypeObject, Required: []string{"ids"},
		Properties: map[string]*huma.Schema{"ids": {Type: huma.TypeArray, Items: &huma.Schema{Type: huma.TypeInteger, Format: "int64"}}},
	}}}})
}
