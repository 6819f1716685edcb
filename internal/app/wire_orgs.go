package app

import (
	"fmt"
	"net/http"

	"apistarter/internal/mail"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

// wireOrgs mounts the orgs feature: the organization management routes and
// the permission cache consulted by the authentication query.
func (a *App) wireOrgs(api huma.API, mux *http.ServeMux) error {
	cache := a.Orgs.PermissionCache()
	for _, c := range cache.Collectors() {
		if err := a.Metrics.Registry.Register(c); err != nil {
			return fmt.Errorf("orgs: metrics: %w", err)
		}
	}
	a.Auth.UseScopeCache(cache)
	templates, err := mail.NewTemplates()
	if err != nil {
		return err
	}
	lim, err := a.rateLimiter()
	if err != nil {
		return err
	}
	limits := orgs.Limits{
		Limiter:                 lim,
		InvitationsPerUser:      ratelimit.Rate(a.Cfg.InvitationRatePerUser),
		InvitationsPerOrg:       ratelimit.Rate(a.Cfg.InvitationRatePerOrg),
		InvitationsPerRecipient: ratelimit.Rate(a.Cfg.InvitationRatePerRecipient),
		CreatePerUser:           ratelimit.Rate(a.Cfg.OrgCreateRatePerUser),
	}
	inv := orgs.NewInvitations(a.Orgs, templates, a.Cfg.FrontendURL, a.Cfg.ProjectName, limits)
	orgs.RegisterRoutes(api, a.Orgs, inv, limits)
	return nil
}
