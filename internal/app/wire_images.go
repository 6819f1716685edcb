package app

import (
	"net/http"

	"apistarter/internal/images"

	"github.com/danielgtaylor/huma/v2"
)

// wireImages mounts the images feature: uploads, the media library,
// relations, signed URLs and share links.
func (a *App) wireImages(api huma.API, _ *http.ServeMux) error {
	if err := a.initStorage(); err != nil {
		return err
	}
	limiter, err := a.rateLimiter()
	if err != nil {
		return err
	}
	images.Register(api, images.NewService(a.DB, a.Storage, a.Outbox, images.WithBudget(a.ImageBudget)), limiter)
	return nil
}
