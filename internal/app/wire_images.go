package app

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// wireImages mounts the images feature.
func (a *App) wireImages(api huma.API, mux *http.ServeMux) error {
	return nil
}
