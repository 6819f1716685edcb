package app

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// wireTags mounts the tags feature.
func (a *App) wireTags(api huma.API, mux *http.ServeMux) error {
	return nil
}
