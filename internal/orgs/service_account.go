package orgs

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5"
)

// DeleteAccountOrgs runs inside the account-deletion transaction, before the
// user row is deleted: it locks every org of the user (ascending id) then the
// user, refuses with 409 when a group would lose its last active owner,
// deletes the user's personal org and schedules the cleanup of its storage.
// The deferred owner triggers still check at commit; the caller maps a check
// violation (db.IsCheckViolation) to 409 "Account deletion would leave an
// organization without an active owner."
func (s *Service) DeleteAccountOrgs(ctx context.Context, tx pgx.Tx, userID int64) error {
	locked, err := s.lockAccount(ctx, tx, userID)
	if err != nil {
		return err
	}
	if err := s.revokeAllInvitationsBy(ctx, tx, userID); err != nil {
		return err
	}
	var personal []int64
	for _, o := range locked {
		if o.OwnPersonal {
			personal = append(personal, o.ID)
		}
	}
	return s.deleteOrgs(ctx, tx, personal)
}

// LockForDeactivation runs inside the transaction that deactivates a user,
// before is_active changes: same locks and owner rule as account deletion.
// The user's pending invitations are revoked: an inactive inviter can no
// longer make them.
func (s *Service) LockForDeactivation(ctx context.Context, tx pgx.Tx, userID int64) error {
	if _, err := s.lockAccount(ctx, tx, userID); err != nil {
		return err
	}
	return s.revokeAllInvitationsBy(ctx, tx, userID)
}

// revokeAllInvitationsBy revokes every pending invitation userID made, in
// any org (the account's org locks are held).
func (s *Service) revokeAllInvitationsBy(ctx context.Context, tx pgx.Tx, userID int64) error {
	n, err := s.q.WithTx(tx).RevokeAllInvitationsByInviter(ctx, &userID)
	if err != nil {
		return fmt.Errorf("orgs: revoke invitations of the account: %w", err)
	}
	if n > 0 {
		s.log.Info("invitations revoked with their inviter's account", "user_id", userID, "count", n)
	}
	return nil
}

// lockAccount takes the canonical locks of an account-wide change (orgs
// ascending, then the user) and requires another active owner in every
// group the user owns. Deleting the user deletes its memberships, which
// bumps each org's perm_version: those org rows must already be locked, or
// the cascade would lock user → org against the canonical order.
func (s *Service) lockAccount(ctx context.Context, tx pgx.Tx, userID int64) ([]sqlc.LockUserOrgsRow, error) {
	q := s.q.WithTx(tx)
	locked, err := q.LockUserOrgs(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("orgs: lock account orgs: %w", err)
	}
	if _, err := q.LockUser(ctx, userID); err != nil {
		return nil, fmt.Errorf("orgs: lock user: %w", err)
	}
	if len(locked) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(locked))
	for i, o := range locked {
		ids[i] = o.ID
	}
	orphaned, err := q.GroupsOnlyOwnedBy(ctx, sqlc.GroupsOnlyOwnedByParams{UserID: userID, OrgIds: ids})
	if err != nil {
		return nil, fmt.Errorf("orgs: check owners: %w", err)
	}
	if len(orphaned) > 0 {
		return nil, apperr.Conflict(fmt.Sprintf("Promote another active owner for %s first.", orphaned[0].Name))
	}
	return locked, nil
}
