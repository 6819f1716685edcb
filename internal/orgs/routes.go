package orgs

import "github.com/danielgtaylor/huma/v2"

// RegisterRoutes mounts the organization management API (SPEC §4); group
// org creation is counted against limits.
func RegisterRoutes(api huma.API, svc *Service, inv *Invitations, limits Limits) {
	registerOrgRoutes(api, svc, limits)
	registerMemberRoutes(api, svc)
	registerInvitationRoutes(api, inv)
}

// orgSlugPath is the path parameter every scoped route carries; the scope
// middleware has resolved it before the handler runs.
type orgSlugPath struct {
	OrgSlug string `path:"org_slug" doc:"Organization slug"`
}
