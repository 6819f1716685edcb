package orgs

import (
	"context"
	"fmt"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5"
)

// Member is one membership of an org.
type Member struct {
	UserSlug string    `json:"user_slug"`
	Email    string    `json:"email"`
	Username string    `json:"username"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
}

// ValidRole reports a membership role (platform_admin is not one).
func ValidRole(r string) bool { return r == RoleOwner || r == RoleAdmin || r == RoleMember }

// writeOrg runs fn in a transaction that first locks the org (canonical
// order: org → user → dependent rows) and re-reads the caller's role under
// that lock, since the scope was resolved before it. A deferred owner-trigger
// violation at commit becomes a 409.
func (s *Service) writeOrg(ctx context.Context, sc Scope, fn func(tx pgx.Tx, org sqlc.LockOrgRow, callerRole string) error) error {
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		q := s.q.WithTx(tx)
		org, err := q.LockOrg(ctx, sc.OrgID)
		if db.IsNoRows(err) {
			return apperr.OrgNotFound()
		}
		if err != nil {
			return fmt.Errorf("orgs: lock org: %w", err)
		}
		role := RolePlatformAdmin
		if sc.Role != RolePlatformAdmin {
			m, err := q.LockMemberByUserID(ctx, sqlc.LockMemberByUserIDParams{OrgID: org.ID, UserID: sc.UserID})
			if db.IsNoRows(err) {
				return apperr.OrgNotFound()
			}
			if err != nil {
				return fmt.Errorf("orgs: caller membership: %w", err)
			}
			role = m.Role
		}
		return fn(tx, org, role)
	})
	return s.ownerViolation(err)
}

// addMember is the only membership insert (new org owner, accepted
// invitation); the caller holds the org lock or created the org.
func (s *Service) addMember(ctx context.Context, tx pgx.Tx, orgID, userID int64, role string) error {
	if err := s.q.WithTx(tx).InsertMembership(ctx, sqlc.InsertMembershipParams{UserID: userID, OrgID: orgID, Role: role}); err != nil {
		return fmt.Errorf("orgs: add member: %w", err)
	}
	return nil
}

// canAdmin reports admin rights for a role re-read under the org lock.
func canAdmin(role string) bool {
	return role == RoleAdmin || role == RoleOwner || role == RolePlatformAdmin
}

func isOwnerRole(role string) bool { return role == RoleOwner || role == RolePlatformAdmin }

// ListMembers pages through the org's members in join order.
func (s *Service) ListMembers(ctx context.Context, sc Scope, limit, offset int) ([]Member, int64, error) {
	rows, err := s.q.ListMembers(ctx, sqlc.ListMembersParams{OrgID: sc.OrgID, Lim: int32(limit), Off: int32(offset)})
	if err != nil {
		return nil, 0, fmt.Errorf("orgs: list members: %w", err)
	}
	n, err := s.q.CountMembers(ctx, sc.OrgID)
	if err != nil {
		return nil, 0, fmt.Errorf("orgs: count members: %w", err)
	}
	out := make([]Member, len(rows))
	for i, r := range rows {
		out[i] = Member(r)
	}
	return out, n, nil
}

// ChangeRole sets a member's role (admin+; only owners grant or take away
// owner). Personal creators stay owner; a group keeps an active owner.
func (s *Service) ChangeRole(ctx context.Context, sc Scope, userSlug, role string) (Member, error) {
	if err := sc.RequireAdmin(); err != nil {
		return Member{}, err
	}
	if !ValidRole(role) {
		return Member{}, apperr.Invalid("Invalid role.")
	}
	var out Member
	err := s.writeOrg(ctx, sc, func(tx pgx.Tx, org sqlc.LockOrgRow, caller string) error {
		q := s.q.WithTx(tx)
		if !canAdmin(caller) {
			return apperr.Forbidden(msgAdminsOnly)
		}
		m, err := q.LockMemberBySlug(ctx, sqlc.LockMemberBySlugParams{OrgID: org.ID, UserSlug: userSlug})
		if db.IsNoRows(err) {
			return apperr.NotFound(msgMemberNotFound)
		}
		if err != nil {
			return fmt.Errorf("orgs: lock member: %w", err)
		}
		out = Member{UserSlug: m.UserSlug, Email: m.Email, Username: m.Username, Role: role, JoinedAt: m.JoinedAt}
		if m.Role == role {
			return nil
		}
		if (role == RoleOwner || m.Role == RoleOwner) && !isOwnerRole(caller) {
			return apperr.Forbidden(msgOwnerRoleOwners)
		}
		if m.PersonalCreator {
			return apperr.Conflict(msgCreatorOwner)
		}
		if m.Role == RoleOwner {
			if err := s.requireOtherOwner(ctx, q, org, m.UserID, msgOwnerChange); err != nil {
				return err
			}
		}
		if err := q.UpdateMembershipRole(ctx, sqlc.UpdateMembershipRoleParams{ID: m.ID, Role: role}); err != nil {
			return fmt.Errorf("orgs: change role: %w", err)
		}
		return s.revokeInvitationsBeyond(ctx, q, org.ID, m.UserID, role)
	})
	return out, err
}

// RemoveMember removes a member (admin+; owners only for owners).
func (s *Service) RemoveMember(ctx context.Context, sc Scope, userSlug string) error {
	if err := sc.RequireAdmin(); err != nil {
		return err
	}
	return s.writeOrg(ctx, sc, func(tx pgx.Tx, org sqlc.LockOrgRow, caller string) error {
		q := s.q.WithTx(tx)
		if !canAdmin(caller) {
			return apperr.Forbidden(msgAdminsOnly)
		}
		m, err := q.LockMemberBySlug(ctx, sqlc.LockMemberBySlugParams{OrgID: org.ID, UserSlug: userSlug})
		if db.IsNoRows(err) {
			return apperr.NotFound(msgMemberNotFound)
		}
		if err != nil {
			return fmt.Errorf("orgs: lock member: %w", err)
		}
		if m.Role == RoleOwner && !isOwnerRole(caller) {
			return apperr.Forbidden(msgOwnerRoleOwners)
		}
		return s.removeMember(ctx, q, org, m.ID, m.UserID, m.Role, m.PersonalCreator)
	})
}

// Leave removes the caller's own membership.
func (s *Service) Leave(ctx context.Context, sc Scope) error {
	return s.writeOrg(ctx, sc, func(tx pgx.Tx, org sqlc.LockOrgRow, _ string) error {
		q := s.q.WithTx(tx)
		m, err := q.LockMemberByUserID(ctx, sqlc.LockMemberByUserIDParams{OrgID: org.ID, UserID: sc.UserID})
		if db.IsNoRows(err) {
			return apperr.NotFound(msgMemberNotFound)
		}
		if err != nil {
			return fmt.Errorf("orgs: lock member: %w", err)
		}
		return s.removeMember(ctx, q, org, m.ID, m.UserID, m.Role, m.PersonalCreator)
	})
}

func (s *Service) removeMember(ctx context.Context, q *sqlc.Queries, org sqlc.LockOrgRow, id, userID int64, role string, personalCreator bool) error {
	if personalCreator {
		return apperr.Conflict(msgCreatorOwner)
	}
	if role == RoleOwner {
		if err := s.requireOtherOwner(ctx, q, org, userID, msgOwnerRemove); err != nil {
			return err
		}
	}
	if err := q.DeleteMembership(ctx, id); err != nil {
		return fmt.Errorf("orgs: remove member: %w", err)
	}
	return s.revokeInvitationsBeyond(ctx, q, org.ID, userID, "")
}

// revokeInvitationsBeyond revokes the pending invitations userID made in
// the org that its new role (empty: no longer a member) could not make: an
// admin invites admins and members, an owner anyone. Runs under the org lock
// in the transaction that changes the role, so an invitation never outlives
// the right that made it.
func (s *Service) revokeInvitationsBeyond(ctx context.Context, q *sqlc.Queries, orgID, userID int64, role string) error {
	var roles []string
	switch role {
	case RoleOwner:
		return nil
	case RoleAdmin:
		roles = []string{RoleOwner}
	default:
		roles = []string{RoleOwner, RoleAdmin, RoleMember}
	}
	n, err := q.RevokeInvitationsByInviter(ctx, sqlc.RevokeInvitationsByInviterParams{OrgID: orgID, InviterID: &userID, Roles: roles})
	if err != nil {
		return fmt.Errorf("orgs: revoke invitations of a former admin: %w", err)
	}
	if n > 0 {
		s.log.Info("invitations revoked with their inviter's rights", "org_id", orgID, "user_id", userID, "count", n)
	}
	return nil
}

// requireOtherOwner is the friendly form of the owner trigger: a group
// needs an active owner besides userID.
func (s *Service) requireOtherOwner(ctx context.Context, q *sqlc.Queries, org sqlc.LockOrgRow, userID int64, msg string) error {
	if org.Type != TypeGroup {
		return nil
	}
	ok, err := q.OtherActiveOwnerExists(ctx, sqlc.OtherActiveOwnerExistsParams{OrgID: org.ID, UserID: userID})
	if err != nil {
		return fmt.Errorf("orgs: owner check: %w", err)
	}
	if !ok {
		return apperr.Conflict(msg)
	}
	return nil
}
