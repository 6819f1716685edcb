package accounts

import (
	"context"
	"net/http"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
)

type listSessionsIn struct {
	httpapi.PageParams
}

type listSessionsOut struct {
	Body httpapi.Page[DeviceSession]
}

type sessionPath struct {
	ID string `path:"id" format:"uuid" doc:"Session id"`
}

func (r *routes) registerSessions() {
	huma.Register(r.api, httpapi.Route{ID: "auth-sessions-list", Method: http.MethodGet, Path: "/auth/sessions/",
		Summary: "List my live device sessions", Tag: "sessions",
		Middlewares: huma.Middlewares{r.rememberIP}}.Operation(),
		func(ctx context.Context, in *listSessionsIn) (*listSessionsOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			items, n, err := r.svc.ListSessions(ctx, p, in.Limit, in.Offset)
			if err != nil {
				return nil, err
			}
			return &listSessionsOut{Body: httpapi.Page[DeviceSession]{Items: items, Count: n}}, nil
		})

	huma.Register(r.api, httpapi.Route{ID: "auth-sessions-revoke", Method: http.MethodDelete, Path: "/auth/sessions/{id}/",
		Summary: "Revoke one of my sessions", Tag: "sessions",
		Middlewares: huma.Middlewares{r.rememberIP}}.Operation(),
		func(ctx context.Context, in *sessionPath) (*detailOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			id, err := uuid.Parse(in.ID)
			if err != nil {
				return nil, apperr.NotFound("Session not found")
			}
			if err := r.svc.RevokeSession(ctx, p, id); err != nil {
				return nil, err
			}
			return detail("Session revoked."), nil
		})

	huma.Register(r.api, httpapi.Route{ID: "auth-logout-all", Method: http.MethodPost, Path: "/auth/logout-all/",
		Summary: "Log out everywhere (ends every session)", Tag: "sessions",
		Middlewares: huma.Middlewares{r.rememberIP}}.Operation(),
		func(ctx context.Context, _ *struct{}) (*reauthOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			if err := r.svc.LogoutAll(ctx, p); err != nil {
				return nil, err
			}
			return &reauthOut{Body: reauth("Logged out of all sessions.")}, nil
		})
}
