package orgs

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5"
)

// TransferOwnership makes a member of a group the owner and every other
// owner an admin, in one transaction under the org lock (owners only; the
// admin console's action). Demoted owners lose the invitations only owners
// could make, as with ChangeRole; the owner triggers check at commit.
func (s *Service) TransferOwnership(ctx context.Context, sc Scope, userSlug string) error {
	if !sc.IsOwner() {
		return apperr.Forbidden(msgOwnersOnly)
	}
	return s.writeOrg(ctx, sc, func(tx pgx.Tx, org sqlc.LockOrgRow, caller string) error {
		if !isOwnerRole(caller) {
			return apperr.Forbidden(msgOwnersOnly)
		}
		if org.Type != TypeGroup {
			return apperr.Conflict(msgCreatorOwner)
		}
		q := s.q.WithTx(tx)
		m, err := q.LockMemberBySlug(ctx, sqlc.LockMemberBySlugParams{OrgID: org.ID, UserSlug: userSlug})
		if db.IsNoRows(err) {
			return apperr.NotFound(msgMemberNotFound)
		}
		if err != nil {
			return fmt.Errorf("orgs: transfer: %w", err)
		}
		if m.Role != RoleOwner {
			if err := q.UpdateMembershipRole(ctx, sqlc.UpdateMembershipRoleParams{ID: m.ID, Role: RoleOwner}); err != nil {
				return fmt.Errorf("orgs: transfer: %w", err)
			}
		}
		others, err := q.LockOtherOwners(ctx, sqlc.LockOtherOwnersParams{OrgID: org.ID, UserID: m.UserID})
		if err != nil {
			return fmt.Errorf("orgs: transfer: %w", err)
		}
		for _, o := range others {
			if err := q.UpdateMembershipRole(ctx, sqlc.UpdateMembershipRoleParams{ID: o.ID, Role: RoleAdmin}); err != nil {
				return fmt.Errorf("orgs: transfer: %w", err)
			}
			if err := s.revokeInvitationsBeyond(ctx, q, org.ID, o.UserID, RoleAdmin); err != nil {
				return err
			}
		}
		return nil
	})
}
