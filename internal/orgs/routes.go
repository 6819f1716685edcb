package orgs

import (
	"encoding/json"

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

// rejectNull returns a validation error for each top-level field of the JSON
// body that is present as null.
func rejectNull(raw []byte, fields ...string) []error {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil // huma has already reported a malformed body
	}
	var errs []error
	for _, f := range fields {
		if v, ok := m[f]; ok && string(v) == "null" {
			errs = append(errs, &huma.ErrorDetail{Location: "body." + f, Message: "must not be null"})
		}
	}
	return errs
}
