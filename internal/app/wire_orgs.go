package app

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// wireOrgs mounts the orgs feature.
func (a *App) wireOrgs(api huma.API, mux *http.ServeMux) error {
	return nil
}
