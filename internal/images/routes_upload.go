package images

import (
	"context"
	"net/http"

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
	return &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"multipart/form-data": {Schema: &huma.Schema{
			Type: huma.TypeObject, Required: []string{field}, Properties: map[string]*huma.Schema{field: prop},
		}},
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
	o := op(http.MethodPost, "/orgs/{org_slug}/images/", "upload-image", "Upload an image")
	o.Description = "JPEG, PNG, GIF (first frame) or WebP, detected from the content; at most 10 MiB, " +
		"12 000 px a side and 40 megapixels. Stored as a WebP original plus thumb, sm, md and lg variants."
	o.Middlewares = huma.Middlewares{r.throttle(ratelimit.Scope{Name: "images_upload", Rate: ratelimit.PerHour(60)}), CaptureBody}
	huma.Register(r.api, o, func(ctx context.Context, _ *uploadInput) (*imageOutput, error) {
		img, err := r.svc.UploadRequest(ctx, orgs.ScopeFrom(ctx))
		if err != nil {
			return nil, err
		}
		return &imageOutput{img}, nil
	})
	documentBody(r.api, o.Method, o.Path, MultipartBody("file", false, "The image file."))

	o = r.idempotent(op(http.MethodPost, "/orgs/{org_slug}/bulk-upload/", "bulk-upload-images", "Upload several images"),
		ratelimit.Scope{Name: "images_bulk_upload", Rate: ratelimit.PerHour(30)}, http.StatusOK, []BulkUploadItem{})
	o.Description = "Repeated `files` fields: at most 20 files and 50 MiB together, each within the single-upload limits. " +
		"Each file is reported on its own. " + o.Description
	o.Middlewares = append(o.Middlewares, CaptureBody)
	huma.Register(r.api, o, func(ctx context.Context, _ *bulkUploadInput) (*idempotency.Output, error) {
		res, err := r.svc.BulkUploadRequest(ctx, orgs.ScopeFrom(ctx))
		if err != nil {
			return nil, err
		}
		return res.Out(), nil
	})
	documentBody(r.api, o.Method, o.Path, MultipartBody("files", true, "The image files."))
}
