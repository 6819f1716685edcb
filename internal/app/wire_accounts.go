package app

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// wireAccounts mounts the accounts feature.
func (a *App) wireAccounts(api huma.API, mux *http.ServeMux) error {
	return nil
}
