package app

import (
	"net/http"

	"apistarter/internal/avatars"

	"github.com/danielgtaylor/huma/v2"
)

// wireAvatars mounts the user and contact avatar routes.
func (a *App) wireAvatars(api huma.API, _ *http.ServeMux) error {
	if err := a.initStorage(); err != nil {
		return err
	}
	limiter, err := a.rateLimiter()
	if err != nil {
		return err
	}
	avatars.Register(api, avatars.NewService(a.DB, a.Storage, a.Outbox, avatars.WithBudget(a.ImageBudget)), limiter)
	return nil
}
