package accounts

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5"
)

// SetUserActive deactivates or reactivates a user (the admin console's
// action). Deactivation keeps the owner rule of account deletion: the last
// active owner of a group is refused with 409. Both directions end every
// session and bump auth_version, so no token or emailed link issued before
// comes back.
func (s *Service) SetUserActive(ctx context.Context, userID int64, active bool) error {
	if _, err := s.q.AccountByID(ctx, userID); isNoRows(err) {
		return apperr.NotFound("User not found")
	} else if err != nil {
		return fmt.Errorf("accounts: set active: %w", err)
	}
	err := s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		if !active {
			if err := s.orgs.LockForDeactivation(ctx, tx, userID); err != nil {
				return nil, err
			}
		}
		if _, err := q.LockAccount(ctx, userID); isNoRows(err) {
			return apperr.NotFound("User not found"), nil
		} else if err != nil {
			return nil, fmt.Errorf("accounts: set active: %w", err)
		}
		if err := q.SetAccountActive(ctx, sqlc.SetAccountActiveParams{UserID: userID, IsActive: active}); err != nil {
			return nil, fmt.Errorf("accounts: set active: %w", err)
		}
		if err := revokeAll(ctx, q, userID); err != nil {
			return nil, fmt.Errorf("accounts: set active: %w", err)
		}
		return nil, nil
	})
	if db.IsCheckViolation(err) {
		return apperr.Conflict("Deactivation would leave an organization without an active owner.")
	}
	if err == nil {
		s.log.InfoContext(ctx, "audit: account_active_changed", "user_id", userID, "active", active)
	}
	return err
}
