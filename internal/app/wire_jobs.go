package app

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// wireJobs mounts the jobs feature.
func (a *App) wireJobs(api huma.API, mux *http.ServeMux) error {
	return nil
}
