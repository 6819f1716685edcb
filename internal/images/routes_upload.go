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

// MultipartBody documents a multipart request body with file fields; the
// handler reads it itself (CaptureBody, ReadUploads).
func MultipartBody(field string, many bool, doc string) *huma.RequestBody {
	file := &huma.Schema{Type: huma.TypeString, Format: "binary", Description: doc}
	prop := file
	if many {
		prop = &huma.Schema{Type: huma.TypeArray, Items: file, Description: doc}
	}
	var example any = "(the file's bytes)"
	if many {
		example = []any{example}
	}
	return &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"multipart/form-data": {Schema: &huma.Schema{
			Type: huma.TypeObject, Required: []string{field}, Properties: map[string]*huma.Schema{field: prop},
		}, Example: map[string]any{field: example}},
	}}
}

type uploadInput struct {
	OrgSlug string `path:"org_slug"`
}

type bulkUploadInput struct {
	OrgSlug string `path:"org_slug"`
	KeyHeader
}

func (r *routes) registerUploads() {
	huma.Register(r.api, httpapi.Route{ID: "upload-image", Method: http.MethodPost, Path: "/orgs/{org_slug}/images/",
		Summary: "Upload an image", Tag: "images", MaxBody: maxJSONBody,
		Description: "JPEG, PNG, GIF (first frame) or WebP, detected from the content; at most 10 MiB, " +
			"12 000 px a side and 40 megapixels. Stored as a WebP original plus thumb, sm, md and lg variants.",
		Middlewares: huma.Middlewares{r.throttle(ratelimit.Scope{Name: "images_upload", Rate: ratelimit.PerHour(60)}), CaptureBody}}.Operation(),
		func(ctx context.Context, _ *uploadInput) (*imageOutput, error) {
			img, err := r.svc.UploadRequest(ctx, orgs.ScopeFrom(ctx))
			if err != nil {
				return nil, err
			}
			return &imageOutput{img}, nil
		})
	documentBody(r.api, http.MethodPost, "/orgs/{org_slug}/images/", MultipartBody("file", false, "The image file."))

	o := r.idempotent(httpapi.Route{ID: "bulk-upload-images", Method: http.MethodPost, Path: "/orgs/{org_slug}/bulk-upload/",
		Summary: "Upload several images", Tag: "images", Status: http.StatusOK, MaxBody: maxJSONBody,
		Description: "Repeated `files` fields: at most 20 files and 50 MiB together, each within the single-upload limits. " +
			"Each file is reported on its own.",
		Middlewares: huma.Middlewares{CaptureBody}},
		ratelimit.Scope{Name: "images_bulk_upload", Rate: ratelimit.PerHour(30)}, []BulkUploadItem{})
	huma.Register(r.api, o, func(ctx context.Context, _ *bulkUploadInput) (*idempotency.Output, error) {
		res, err := r.svc.BulkUploadRequest(ctx, orgs.ScopeFrom(ctx))
		if err != nil {
			return nil, err
		}
		return res.Out(), nil
	})
	documentBody(r.api, o.Method, o.Path, MultipartBody("files", true, "The image files."))
}
