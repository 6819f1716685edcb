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

// TargetPath is {app_label}/{model}/{obj_id}: contacts/contact/<id> or
// organizations/organization/<org id>.
type TargetPath struct {
	OrgSlug  string `path:"org_slug"`
	AppLabel string `path:"app_label" doc:"contacts or organizations"`
	Model    string `path:"model" doc:"contact or organization"`
	ObjID    int64  `path:"obj_id"`
}

func (p TargetPath) ref() TargetRef {
	return TargetRef{App: p.AppLabel, Model: p.Model, ObjectID: p.ObjID}
}

// ImageIDsIn is a list of image ids.
type ImageIDsIn struct {
	ImageIDs []int64 `json:"image_ids" nullable:"false" maxItems:"10000"`
}

type listRelationsInput struct {
	TargetPath
	Ordering string `query:"ordering" doc:"One of order (default), -order, created_at, -created_at, title, -title."`
	httpapi.PageParams
}

type imageIDsInput struct {
	TargetPath
	Body ImageIDsIn
}

type bulkIDsInput struct {
	TargetPath
	KeyHeader
	RawBody []byte
	Body    ImageIDsIn
}

type detachInput struct {
	TargetPath
	ImageID int64 `path:"image_id"`
}

const targetBase = "/orgs/{org_slug}/images/{app_label}/{model}/{obj_id}/"

func (r *routes) registerRelations() {
	huma.Register(r.api, httpapi.Route{ID: "list-object-images", Method: http.MethodGet, Path: targetBase,
		Summary: "List the images attached to an object", Tag: "images", MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *listRelationsInput) (*struct{ Body httpapi.Page[RelationOut] }, error) {
			page, err := r.svc.ListRelations(ctx, orgs.ScopeFrom(ctx), in.ref(), httpapi.Enumerated(ctx, "ordering", in.Ordering), in.PageParams)
			if err != nil {
				return nil, err
			}
			return &struct{ Body httpapi.Page[RelationOut] }{page}, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "attach-images", Method: http.MethodPost, Path: targetBase,
		Summary: "Attach images to an object", Tag: "images", MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *imageIDsInput) (*struct{ Body []RelationOut }, error) {
			out, err := r.svc.Attach(ctx, orgs.ScopeFrom(ctx), in.ref(), in.Body.ImageIDs)
			if err != nil {
				return nil, err
			}
			return &struct{ Body []RelationOut }{out}, nil
		})

	o := r.idempotent(httpapi.Route{ID: "bulk-attach-images", Method: http.MethodPost, Path: targetBase + "bulk_attach/",
		Summary: "Attach several images to an object", Tag: "images", Status: http.StatusOK, MaxBody: maxJSONBody},
		ratelimit.Scope{Name: "images_bulk_attach", Rate: ratelimit.PerHour(60)}, BulkAttachOut{})
	huma.Register(r.api, o, r.bulkRelation(r.svc.BulkAttach))
	hideRawBody(r.api, o.Method, o.Path)

	o = r.idempotent(httpapi.Route{ID: "bulk-detach-images", Method: http.MethodPost, Path: targetBase + "bulk_detach/",
		Summary: "Detach several images from an object", Tag: "images", Status: http.StatusOK, MaxBody: maxJSONBody},
		ratelimit.Scope{Name: "images_bulk_detach", Rate: ratelimit.PerHour(60)}, BulkDetachOut{})
	huma.Register(r.api, o, r.bulkRelation(r.svc.BulkDetach))
	hideRawBody(r.api, o.Method, o.Path)

	huma.Register(r.api, httpapi.Route{ID: "detach-image", Method: http.MethodDelete, Path: targetBase + "{image_id}/",
		Summary: "Detach an image from an object", Tag: "images", Status: http.StatusNoContent, MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *detachInput) (*struct{}, error) {
			return nil, r.svc.Detach(ctx, orgs.ScopeFrom(ctx), in.ref(), in.ImageID)
		})
}

// bulkRelation is the handler of bulk_attach/ and bulk_detach/: apply runs
// the body's image ids under the request's Idempotency-Key.
func (r *routes) bulkRelation(apply func(context.Context, orgs.Scope, idempotency.Request, TargetRef, []int64) (idempotency.Response, error),
) func(context.Context, *bulkIDsInput) (*idempotency.Output, error) {
	return func(ctx context.Context, in *bulkIDsInput) (*idempotency.Output, error) {
		sc := orgs.ScopeFrom(ctx)
		req, err := idempotency.NewRequest(ctx, sc.UserID, idempotency.FingerprintBody("application/json", in.RawBody))
		if err != nil {
			return nil, err
		}
		res, err := apply(ctx, sc, req, in.ref(), in.Body.ImageIDs)
		if err != nil {
			return nil, err
		}
		return res.Out(), nil
	}
}

// SetCoverIn names the new cover.
type SetCoverIn struct {
	ImageID int64 `json:"image_id"`
}

func (r *routes) registerRelationOrder() {
	huma.Register(r.api, httpapi.Route{ID: "reorder-images", Method: http.MethodPost, Path: targetBase + "reorder",
		Summary: "Reorder an object's images", Tag: "images", MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *imageIDsInput) (*detailOutput, error) {
			if err := r.svc.Reorder(ctx, orgs.ScopeFrom(ctx), in.ref(), in.Body.ImageIDs); err != nil {
				return nil, err
			}
			return detail("ok"), nil
		})

	huma.Register(r.api, httpapi.Route{ID: "set-cover-image", Method: http.MethodPost, Path: targetBase + "set_cover",
		Summary: "Make an attached image the cover", Tag: "images", MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *struct {
			TargetPath
			Body SetCoverIn
		}) (*detailOutput, error) {
			if err := r.svc.SetCover(ctx, orgs.ScopeFrom(ctx), in.ref(), in.Body.ImageID); err != nil {
				return nil, err
			}
			return detail("ok"), nil
		})

	huma.Register(r.api, httpapi.Route{ID: "unset-cover-image", Method: http.MethodPost, Path: targetBase + "unset_cover",
		Summary: "Leave an object without a cover", Tag: "images", MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *TargetPath) (*detailOutput, error) {
			if err := r.svc.UnsetCover(ctx, orgs.ScopeFrom(ctx), in.ref()); err != nil {
				return nil, err
			}
			return detail("ok"), nil
		})
}
