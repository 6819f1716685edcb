package accounts

import (
	"context"
	"net/http"

	"apistarter/internal/auth"
	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
)

type emailChangeBody struct {
	Email           string `json:"email" maxLength:"254"`
	CurrentPassword string `json:"current_password" maxLength:"1024"`
}

// Resolve normalises the address and rejects malformed ones (400 whose
// detail contains "Invalid email address").
func (b *emailChangeBody) Resolve(_ huma.Context, prefix *huma.PathBuffer) []error {
	return checkEmail(prefix, "email", &b.Email)
}

type emailChangeIn struct{ Body emailChangeBody }

type emailVerifyIn struct {
	Body struct {
		Token string `json:"token" minLength:"8" maxLength:"128"`
	}
}

func (r *routes) registerEmail() {
	huma.Register(r.api, httpapi.Route{ID: "auth-email-change", Method: http.MethodPatch, Path: "/auth/email",
		Summary: "Request an email change (mails both addresses)", Tag: "auth",
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeEmailChange)}}.Operation(),
		func(ctx context.Context, in *emailChangeIn) (*detailOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			if err := r.svc.RequestEmailChange(ctx, p, in.Body.Email, in.Body.CurrentPassword); err != nil {
				return nil, err
			}
			return detail("Verification email sent. Please check your new address."), nil
		})

	huma.Register(r.api, httpapi.Route{ID: "auth-email-verify", Method: http.MethodPost, Path: "/auth/email/verify",
		Summary: "Confirm an email change (ends every session)", Tag: "auth", Public: true,
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeEmailVerify)}}.Operation(),
		func(ctx context.Context, in *emailVerifyIn) (*reauthOut, error) {
			if err := r.svc.ConfirmEmailChange(ctx, in.Body.Token); err != nil {
				return nil, err
			}
			return &reauthOut{Body: reauth("Email address updated successfully.")}, nil
		})
}
