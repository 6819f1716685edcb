package accounts

import (
	"context"
	"net/http"

	"apistarter/internal/auth"

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
	huma.Register(r.api, r.operation("auth-change-password", http.MethodPost, "/auth/change-password/", "Change my password (ends every session)", "auth", true, &scopeChangePassword),
		func(ctx context.Context, in *changePasswordIn) (*reauthOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			if err := r.svc.ChangePassword(ctx, p, in.Body.OldPassword, in.Body.NewPassword); err != nil {
				return nil, err
			}
			return &reauthOut{Body: reauth("Password changed successfully.")}, nil
		})

	huma.Register(r.api, r.operation("auth-password-reset-request", http.MethodPost, "/auth/password-reset/request", "Mail a password reset link", "auth", false, &scopeResetRequest),
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

	huma.Register(r.api, r.operation("auth-password-reset-confirm", http.MethodPost, "/auth/password-reset/confirm", "Set a new password with a reset token (ends every session)", "auth", false, &scopeResetConfirm),
		func(ctx context.Context, in *resetConfirmIn) (*reauthOut, error) {
			if err := r.svc.ConfirmPasswordReset(ctx, in.Body.Token, in.Body.NewPassword); err != nil {
				return nil, err
			}
			return &reauthOut{Body: reauth("Password has been reset successfully.")}, nil
		})
}
