package app

import (
	"net/http"

	"apistarter/internal/contacts"

	"github.com/danielgtaylor/huma/v2"
)

// wireContacts mounts the contacts feature.
func (a *App) wireContacts(api huma.API, mux *http.ServeMux) error {
	lim, err := a.rateLimiter()
	if err != nil {
		return err
	}
	contacts.Register(api, contacts.NewService(a.DB, a.Storage.PublicURL), lim)
	return nil
}
