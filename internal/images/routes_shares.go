package images

import (
	"context"
	"net/http"
	"time"

	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

// CreateShareIn is the body of POST images/{id}/shares.
type CreateShareIn struct {
	ExpiresInSeconds *int64 `json:"expires_in_seconds,omitempty" required:"false" nullable:"true" minimum:"60" maximum:"2592000" doc:"Lifetime, 60 s to 30 days; null or absent: 7 days."`
}

type createShareInput struct {
	ImagePath
	Body *CreateShareIn `required:"true"`
}

type revokeShareInput struct {
	ImagePath
	ShareID int64 `path:"share_id"`
}

// ResolveShareIn is the body of POST /shared/images/resolve/.
type ResolveShareIn struct {
	Token string `json:"token" minLength:"20" maxLength:"128"`
}

type detailOutput struct{ Body httpapi.Detail }

func detail(msg string) *detailOutput { return &detailOutput{Body: httpapi.Detail{Detail: msg}} }

func (r *routes) registerShares() {
	huma.Register(r.api, httpapi.Route{ID: "create-image-share", Method: http.MethodPost, Path: "/orgs/{org_slug}/images/{image_id}/shares",
		Summary: "Create a share link", Tag: "images", MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *createShareInput) (*struct{ Body ShareOut }, error) {
			var ttl *time.Duration
			if in.Body != nil && in.Body.ExpiresInSeconds != nil {
				d := time.Duration(*in.Body.ExpiresInSeconds) * time.Second
				ttl = &d
			}
			out, err := r.svc.CreateShare(ctx, orgs.ScopeFrom(ctx), in.ImageID, ttl)
			if err != nil {
				return nil, err
			}
			return &struct{ Body ShareOut }{out}, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "revoke-image-share", Method: http.MethodDelete, Path: "/orgs/{org_slug}/images/{image_id}/shares/{share_id}",
		Summary: "Revoke a share link", Tag: "images", MaxBody: maxJSONBody}.Operation(),
		func(ctx context.Context, in *revokeShareInput) (*detailOutput, error) {
			if err := r.svc.RevokeShare(ctx, orgs.ScopeFrom(ctx), in.ImageID, in.ShareID); err != nil {
				return nil, err
			}
			return detail("ok"), nil
		})

	huma.Register(r.api, httpapi.Route{ID: "resolve-image-share", Method: http.MethodPost, Path: "/shared/images/resolve/",
		Summary: "Signed links of a shared image (no authentication)", Tag: "images", Public: true, MaxBody: 1 << 10,
		Middlewares: huma.Middlewares{r.throttle(ratelimit.Scope{Name: "images_share_resolve", Rate: ratelimit.PerHour(120)}, ratelimit.AnonymousOnly())}}.Operation(),
		func(ctx context.Context, in *struct{ Body ResolveShareIn }) (*signedURLsOutput, error) {
			out, err := r.svc.ResolveShare(ctx, in.Body.Token)
			if err != nil {
				return nil, err
			}
			return &signedURLsOutput{out}, nil
		})
}
