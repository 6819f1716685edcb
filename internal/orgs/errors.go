package orgs

import (
	"apistarter/internal/apperr"
	"apistarter/internal/db"
)

// Client-facing messages of the membership rules.
const (
	msgOwnerChange     = "Promote another active member to owner before changing this owner."
	msgOwnerRemove     = "Promote another active member to owner before removing this owner."
	msgOwnerCommit     = "This change would leave the organization without an active owner."
	msgAdminsOnly      = "Only org admins/owners can perform this action."
	msgOwnersOnly      = "Only org owners can perform this action."
	msgOwnerRoleOwners = "Only org owners can grant or remove the owner role."
	msgCreatorOwner    = "The creator of a personal organization must remain its owner."
	msgMemberNotFound  = "Member not found"
)

var errSlugTaken = apperr.Conflict("Organization slug already taken.")

// ownerViolation maps a deferred owner-trigger violation, raised at commit
// when a write slipped past the service's checks (a concurrent raw write,
// say), to the friendly 409.
func (s *Service) ownerViolation(err error) error {
	if c, ok := db.Constraint(err, "23514"); ok && c == "organizations_active_owner" {
		s.log.Warn("owner trigger rejected a membership write at commit", "event", "org_owner_trigger_violation")
		return apperr.Conflict(msgOwnerCommit)
	}
	return err
}
