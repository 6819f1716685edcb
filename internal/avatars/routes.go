package avatars

import (
	"context"
	"net/http"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/httpapi"
	"apistarter/internal/images"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

type contactPath struct {
	OrgSlug string `path:"org_slug"`
	Slug    string `path:"slug"`
}

type detailOutput struct{ Body httpapi.Detail }

func avatarDeleted() *detailOutput {
	return &detailOutput{Body: httpapi.Detail{Detail: "Avatar deleted."}}
}

const avatarDoc = "Multipart field `file`: JPEG, PNG, GIF or WebP (detected from the content), at most 10 MiB. " +
	"Stored as public WebP files fitted in 160 px and 600 px; the previous avatar is deleted."

// Upload rates: avatars are image work like library uploads and are
// throttled the same way, per user.
var (
	userAvatarScope    = ratelimit.Scope{Name: "users_avatar_upload", Rate: ratelimit.PerHour(30)}
	contactAvatarScope = ratelimit.Scope{Name: "contacts_avatar_upload", Rate: ratelimit.PerHour(60)}
)

// Register mounts the user and contact avatar routes on api; uploads are
// rate limited by limiter.
func Register(api huma.API, svc *Service, limiter *ratelimit.Limiter) {
	huma.Register(api, httpapi.Route{ID: "upload-user-avatar", Method: http.MethodPost, Path: "/users/avatar",
		Summary: "Upload my avatar", Description: avatarDoc, Tag: "users",
		Middlewares: huma.Middlewares{images.Throttle(api, limiter, userAvatarScope), images.CaptureBody}}.Operation(),
		func(ctx context.Context, _ *struct{}) (*struct{ Body UserAvatarOut }, error) {
			p, ok := auth.PrincipalFrom(ctx)
			if !ok {
				return nil, apperr.Unauthorized("Unauthorized")
			}
			out, err := svc.UploadUser(ctx, p.UserID)
			if err != nil {
				return nil, err
			}
			return &struct{ Body UserAvatarOut }{out}, nil
		})
	documentUpload(api, "/users/avatar")

	huma.Register(api, httpapi.Route{ID: "delete-user-avatar", Method: http.MethodDelete, Path: "/users/avatar",
		Summary: "Delete my avatar", Tag: "users"}.Operation(),
		func(ctx context.Context, _ *struct{}) (*detailOutput, error) {
			p, ok := auth.PrincipalFrom(ctx)
			if !ok {
				return nil, apperr.Unauthorized("Unauthorized")
			}
			if err := svc.DeleteUser(ctx, p.UserID); err != nil {
				return nil, err
			}
			return avatarDeleted(), nil
		})

	huma.Register(api, httpapi.Route{ID: "upload-contact-avatar", Method: http.MethodPost, Path: "/orgs/{org_slug}/contacts/{slug}/avatar/",
		Summary: "Upload a contact's avatar", Description: avatarDoc, Tag: "contacts",
		Middlewares: huma.Middlewares{images.Throttle(api, limiter, contactAvatarScope), images.CaptureBody}}.Operation(),
		func(ctx context.Context, in *contactPath) (*struct{ Body ContactAvatarOut }, error) {
			out, err := svc.UploadContact(ctx, orgs.ScopeFrom(ctx).OrgID, in.Slug)
			if err != nil {
				return nil, err
			}
			return &struct{ Body ContactAvatarOut }{out}, nil
		})
	documentUpload(api, "/orgs/{org_slug}/contacts/{slug}/avatar/")

	huma.Register(api, httpapi.Route{ID: "delete-contact-avatar", Method: http.MethodDelete, Path: "/orgs/{org_slug}/contacts/{slug}/avatar/",
		Summary: "Delete a contact's avatar", Tag: "contacts"}.Operation(),
		func(ctx context.Context, in *contactPath) (*detailOutput, error) {
			if err := svc.DeleteContact(ctx, orgs.ScopeFrom(ctx).OrgID, in.Slug); err != nil {
				return nil, err
			}
			return avatarDeleted(), nil
		})
}

// documentUpload describes the multipart body the handler streams itself.
func documentUpload(api huma.API, path string) {
	if item := api.OpenAPI().Paths[path]; item != nil && item.Post != nil {
		item.Post.RequestBody = images.MultipartBody("file", false, "The image file.")
	}
}
