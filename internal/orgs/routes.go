package orgs

import (
	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
)

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

func op(id, method, path, summary string, status int) huma.Operation {
	return huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary,
		Tags: []string{"organizations"}, Security: httpapi.Bearer, DefaultStatus: status,
	}
}
