package tags

import (
	"context"
	"fmt"
	"strings"

	"apistarter/internal/apperr"
	"apistarter/internal/db/sqlc"
)

// Polymorphic target types: the only models tags and images attach to.
const (
	TargetContact      = "contacts.contact"
	TargetOrganization = "organizations.organization"
)

// Target is an object in the scope org that tags and images attach to.
type Target struct {
	Type     string // TargetContact or TargetOrganization
	ObjectID int64
}

// ResolveTarget maps the {app}/{model}/{obj_id} of a path to a target of the
// org: 404 "Object type not found" outside the allowlist (matched
// case-insensitively), 404 "Object not found" when the object does not exist
// or belongs to another org (an organization target must be the org itself).
func ResolveTarget(ctx context.Context, q *sqlc.Queries, orgID int64, app, model string, objectID int64) (Target, error) {
	t := Target{Type: strings.ToLower(app) + "." + strings.ToLower(model), ObjectID: objectID}
	switch t.Type {
	case TargetOrganization:
		if objectID != orgID {
			return Target{}, apperr.NotFound("Object not found")
		}
		return t, nil
	case TargetContact:
		ok, err := q.ContactInOrg(ctx, sqlc.ContactInOrgParams{ID: objectID, OrganizationID: orgID})
		if err != nil {
			return Target{}, fmt.Errorf("tags: resolve target: %w", err)
		}
		if !ok {
			return Target{}, apperr.NotFound("Object not found")
		}
		return t, nil
	}
	return Target{}, apperr.NotFound("Object type not found")
}
