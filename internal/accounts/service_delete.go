package accounts

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5"
)

// DeleteAccount deletes the caller after checking the password. The orgs
// service locks the user's orgs and the user (canonical order), refuses
// when a group would lose its last active owner and deletes the personal
// org; the deferred owner triggers are the last line of defence at commit.
func (s *Service) DeleteAccount(ctx context.Context, p *auth.Principal, password string) error {
	u, err := s.q.AccountByID(ctx, p.UserID)
	if err != nil {
		return fmt.Errorf("accounts: delete: %w", err)
	}
	ok, err := s.hasher.Verify(ctx, password, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return errPasswordIncorrect
	}
	err = s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		if err := s.orgs.DeleteAccountOrgs(ctx, tx, p.UserID); err != nil {
			return nil, err
		}
		locked, err := q.LockAccount(ctx, p.UserID) // already locked by DeleteAccountOrgs; re-read under it
		if err != nil {
			return nil, fmt.Errorf("accounts: delete: %w", err)
		}
		if locked.PasswordHash != u.PasswordHash {
			return nil, errPasswordIncorrect // changed meanwhile: roll back
		}
		if _, err := q.DeleteAccount(ctx, p.UserID); err != nil {
			return nil, fmt.Errorf("accounts: delete: %w", err)
		}
		return nil, nil
	})
	if db.IsCheckViolation(err) {
		return apperr.Conflict("Account deletion would leave an organization without an active owner.")
	}
	if err == nil {
		s.log.InfoContext(ctx, "audit: account_deleted", "user_id", p.UserID)
	}
	return err
}
