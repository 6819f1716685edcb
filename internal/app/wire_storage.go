package app

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// wireStorage mounts the storage feature.
func (a *App) wireStorage(api huma.API, mux *http.ServeMux) error {
	return nil
}
