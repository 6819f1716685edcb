package app

import (
	"net/http"

	"apistarter/internal/tags"

	"github.com/danielgtaylor/huma/v2"
)

// wireTags mounts the tags feature.
func (a *App) wireTags(api huma.API, mux *http.ServeMux) error {
	tags.Register(api, tags.NewService(a.DB))
	return nil
}
