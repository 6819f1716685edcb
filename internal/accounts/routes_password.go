package accounts

import (
	"context"
	"net/http"

	"apistarter/internal/auth"
	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
)

type changePasswordIn struct {
	Body struct {
		OldPassword string `json:"old_password" maxLength:"1024"`
		NewPassword string `json:"new_password" maxLength:"1024"`
	}
}

type resetConfirmIn struct {
	Body struct {
		Token       string `json:"token" maxLength:"128"`
		NewPassword string `json:"new_password" maxLength:"1024"`
	}
}

func (r *routes) registerPassword() {
	huma.Register(r.api, httpapi.Route{ID: "auth-change-password", Method: http.MethodPost, Path: "/auth/change-password/",
		Summary: "Change my password (ends every session)", Tag: "auth",
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeChangePassword)}}.Operation(),
		func(ctx context.Context, in *changePasswordIn) (*reauthOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			if err := r.svc.ChangePassword(ctx, p, in.Body.OldPassword, in.Body.NewPassword); err != nil {
				return nil, err
			}
			return &reauthOut{Body: reauth("Password changed successfully.")}, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "auth-password-reset-request", Method: http.MethodPost, Path: "/auth/password-reset/request",
		Summary: "Mail a password reset link", Tag: "auth", Public: true,
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeResetRequest)}}.Operation(),
		func(ctx context.Context, in *looseEmailIn) (*detailOut, error) {
			if email := NormalizeEmail(in.Body.Email); ValidEmail(email) {
				if err := r.svc.RequestPasswordReset(ctx, email); isTooMany(err) {
					return nil, err // the cap counts every address alike: nothing leaks
				} else if err != nil {
					// Same answer whatever happened; the failure is logged.
					r.svc.log.ErrorContext(ctx, "accounts: password reset request failed", "error", err.Error())
				}
			}
			return detail(msgResetSent), nil
		})

	huma.Register(r.api, httpapi.Route{ID: "auth-password-reset-confirm", Method: http.MethodPost, Path: "/auth/password-reset/confirm",
		Summary: "Set a new password with a reset token (ends every session)", Tag: "auth", Public: true,
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeResetConfirm)}}.Operation(),
		func(ctx context.Context, in *resetConfirmIn) (*reauthOut, error) {
			if err := r.svc.ConfirmPasswordReset(ctx, in.Body.Token, in.Body.NewPassword); err != nil {
				return nil, err
			}
			return &reauthOut{Body: reauth("Password has been reset successfully.")}, nil
		})
}
