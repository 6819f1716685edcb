package app

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// wireContacts mounts the contacts feature.
func (a *App) wireContacts(api huma.API, mux *http.ServeMux) error {
	return nil
}
