package accounts

import (
	"context"
	"net/http"

	"apistarter/internal/auth"

	"github.com/danielgtaylor/huma/v2"
)

type deleteAccountIn struct {
	Body struct {
		Password string `json:"password" maxLength:"1024"`
	}
}

func (r *routes) registerAccount() {
	huma.Register(r.api, r.operation("auth-delete", http.MethodDelete, "/auth/delete/", "Delete my account", "auth", true, &scopeDeleteAccount),
		func(ctx context.Context, in *deleteAccountIn) (*detailOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			if err := r.svc.DeleteAccount(ctx, p, in.Body.Password); err != nil {
				return nil, err
			}
			return detail("Account deleted successfully."), nil
		})
}
