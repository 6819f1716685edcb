package images

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"

	"github.com/danielgtaylor/huma/v2"
)

type listImagesInput struct {
	OrgSlug  string `path:"org_slug"`
	Ordering string `query:"ordering" doc:"One of -created_at (default), created_at, title, -title."`
	httpapi.PageParams
}

// ImagePath are the path parameters of one image's routes.
type ImagePath struct {
	OrgSlug string `path:"org_slug"`
	ImageID int64  `path:"image_id"`
}

// ImagePatchIn edits an image: absent fields stay, null is refused.
type ImagePatchIn struct {
	Title       *string `json:"title,omitempty" required:"false" maxLength:"120"`
	Description *string `json:"description,omitempty" required:"false"`
	AltText     *string `json:"alt_text,omitempty" required:"false" maxLength:"120"`
}

type patchImageInput struct {
	ImagePath
	RawBody []byte
	Body    ImagePatchIn
}

type imageOutput struct{ Body ImageOut }

type signedURLsOutput struct{ Body SignedURLsOut }

func (r *routes) registerLibrary() {
	huma.Register(r.api, httpapi.Route{ID: "list-images", Method: http.MethodGet, Path: "/orgs/{org_slug}/images/",
		Summary: "List the org's images", Tag: "images", MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *listImagesInput) (*struct{ Body httpapi.Page[ImageOut] }, error) {
			page, err := r.svc.List(ctx, orgs.ScopeFrom(ctx), httpapi.Enumerated(ctx, "ordering", in.Ordering), in.PageParams)
			if err != nil {
				return nil, err
			}
			return &struct{ Body httpapi.Page[ImageOut] }{page}, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "update-image", Method: http.MethodPatch, Path: "/orgs/{org_slug}/images/{image_id}/",
		Summary: "Edit an image's title, description or alt text", Tag: "images", MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *patchImageInput) (*imageOutput, error) {
			b := in.Body
			if err := checkStrings(in.RawBody, map[string]*string{"title": b.Title, "description": b.Description, "alt_text": b.AltText}); err != nil {
				return nil, err
			}
			img, err := r.svc.UpdateMetadata(ctx, orgs.ScopeFrom(ctx), in.ImageID, Metadata(b))
			if err != nil {
				return nil, err
			}
			return &imageOutput{img}, nil
		})
	hideRawBody(r.api, http.MethodPatch, "/orgs/{org_slug}/images/{image_id}/")

	huma.Register(r.api, httpapi.Route{ID: "delete-image", Method: http.MethodDelete, Path: "/orgs/{org_slug}/images/{image_id}/",
		Summary: "Delete an image and its files", Tag: "images", Status: http.StatusNoContent, MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *ImagePath) (*struct{}, error) {
			return nil, r.svc.Delete(ctx, orgs.ScopeFrom(ctx), in.ImageID)
		})

	huma.Register(r.api, httpapi.Route{ID: "image-signed-urls", Method: http.MethodGet, Path: "/orgs/{org_slug}/images/{image_id}/urls",
		Summary: "Signed download links (15 minutes)", Tag: "images", MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *ImagePath) (*signedURLsOutput, error) {
			out, err := r.svc.SignedURLs(ctx, orgs.ScopeFrom(ctx), in.ImageID)
			if err != nil {
				return nil, err
			}
			return &signedURLsOutput{out}, nil
		})
}

// checkStrings refuses, for the given body fields, an explicit null (huma
// lets null through for optional fields) and NUL characters (PostgreSQL
// text cannot hold them).
func checkStrings(raw []byte, fields map[string]*string) error {
	var present map[string]json.RawMessage
	_ = json.Unmarshal(raw, &present) // huma has already validated the body
	for name, v := range fields {
		switch {
		case v == nil && string(present[name]) == "null":
			return huma.Error400BadRequest("", &huma.ErrorDetail{Location: "body." + name, Message: "must be a string, not null"})
		case v != nil && strings.ContainsRune(*v, 0):
			return huma.Error400BadRequest("", &huma.ErrorDetail{Location: "body." + name, Message: "must not contain NUL characters"})
		}
	}
	return nil
}
