package accounts

import (
	"context"
	"net/http"

	"apistarter/internal/auth"
	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
)

type deleteAccountIn struct {
	Body struct {
		Password string `json:"password" maxLength:"1024"`
	}
}

func (r *routes) registerAccount() {
	huma.Register(r.api, httpapi.Route{ID: "auth-delete", Method: http.MethodDelete, Path: "/auth/delete/",
		Summary: "Delete my account", Tag: "auth",
		Middlewares: huma.Middlewares{r.rememberIP, r.throttle(scopeDeleteAccount)}}.Operation(),
		func(ctx context.Context, in *deleteAccountIn) (*detailOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			if err := r.svc.DeleteAccount(ctx, p, in.Body.Password); err != nil {
				return nil, err
			}
			return detail("Account deleted successfully."), nil
		})
}
