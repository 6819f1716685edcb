package app

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// wireExports mounts the exports feature.
func (a *App) wireExports(api huma.API, mux *http.ServeMux) error {
	return nil
}
