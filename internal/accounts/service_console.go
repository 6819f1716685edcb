package accounts

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/ratelimit"

	"github.com/jackc/pgx/v5"
)

// ConsoleUser is the account behind an admin console sign-in.
type ConsoleUser struct {
	ID          int64
	Email       string
	AuthVersion int64
	Superuser   bool
}

// errNoConsoleAccess answers every refused console sign-in alike: unknown
// address, wrong password, inactive account or no staff rights.
var errNoConsoleAccess = apperr.Unauthorized("Invalid credentials")

// SignInConsole checks the credentials of an admin console sign-in with
// Login's defences: the per-IP login throttle (the same bucket as the API's
// login), the per-(address, network) backoff and the same hashing work for
// unknown addresses. It opens no device session: the console keeps its own.
// Accounts that are neither staff nor superuser are refused like a wrong
// password, so the answer never tells whether an address exists.
func (s *Service) SignInConsole(ctx context.Context, email, password, clientIP string) (ConsoleUser, error) {
	if s.limiter != nil {
		if res := s.limiter.Allow(ctx, scopeLogin, ratelimit.IPIdent(clientIP)); !res.Allowed {
			return ConsoleUser{}, ratelimit.TooMany(res.RetryAfter)
		}
	}
	email = NormalizeEmail(email)
	subject, source := loginSubject(email), ratelimit.NetworkIdent(clientIP)
	if s.logins != nil {
		if wait := s.logins.Locked(ctx, subject, source); wait > 0 {
			return ConsoleUser{}, ratelimit.TooMany(wait)
		}
	}
	u, err := s.q.ConsoleAccountByEmail(ctx, email)
	if err != nil && !isNoRows(err) {
		return ConsoleUser{}, fmt.Errorf("accounts: console sign-in: %w", err)
	}
	found := err == nil
	ok, err := s.hasher.Verify(ctx, password, u.PasswordHash) // "" when not found: dummy work
	if err != nil {
		return ConsoleUser{}, err
	}
	if !found || !ok || !u.IsActive {
		if s.logins != nil {
			s.logins.Failure(ctx, subject, source)
		}
		s.log.InfoContext(ctx, "audit: console_login_failed")
		return ConsoleUser{}, errNoConsoleAccess
	}
	if s.logins != nil {
		s.logins.Success(ctx, subject, source)
	}
	if !u.IsStaff && !u.IsSuperuser {
		s.log.InfoContext(ctx, "audit: console_login_refused", "user_id", u.ID)
		return ConsoleUser{}, errNoConsoleAccess
	}
	return ConsoleUser{ID: u.ID, Email: u.Email, AuthVersion: u.AuthVersion, Superuser: u.IsSuperuser}, nil
}

// MarkEmailVerified marks a user's address verified (an admin console
// action); already verified is not an error.
func (s *Service) MarkEmailVerified(ctx context.Context, userID int64) error {
	if _, err := s.q.AccountByID(ctx, userID); isNoRows(err) {
		return apperr.NotFound("User not found")
	} else if err != nil {
		return fmt.Errorf("accounts: mark verified: %w", err)
	}
	if err := s.q.MarkAccountVerified(ctx, userID); err != nil {
		return fmt.Errorf("accounts: mark verified: %w", err)
	}
	s.log.InfoContext(ctx, "audit: account_marked_verified", "user_id", userID)
	return nil
}

// RevokeAllSessionsOf ends every session of a user and bumps auth_version,
// like the user's own logout-all (an admin console action).
func (s *Service) RevokeAllSessionsOf(ctx context.Context, userID int64) error {
	return s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		if _, err := q.LockAccount(ctx, userID); isNoRows(err) {
			return apperr.NotFound("User not found"), nil
		} else if err != nil {
			return nil, fmt.Errorf("accounts: revoke sessions: %w", err)
		}
		if err := revokeAll(ctx, q, userID); err != nil {
			return nil, fmt.Errorf("accounts: revoke sessions: %w", err)
		}
		return nil, nil
	})
}

// DeleteUser deletes a user without their password (an admin console
// action), through the same transaction as DeleteAccount: the orgs service
// locks and checks the owner rules, deletes the personal org and schedules
// its storage cleanup; the owner triggers check at commit.
func (s *Service) DeleteUser(ctx context.Context, userID int64) error {
	if _, err := s.q.AccountByID(ctx, userID); isNoRows(err) {
		return apperr.NotFound("User not found")
	} else if err != nil {
		return fmt.Errorf("accounts: delete user: %w", err)
	}
	err := s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		if err := s.orgs.DeleteAccountOrgs(ctx, tx, userID); err != nil {
			return nil, err
		}
		if _, err := q.DeleteAccount(ctx, userID); err != nil {
			return nil, fmt.Errorf("accounts: delete user: %w", err)
		}
		return nil, nil
	})
	if db.IsCheckViolation(err) {
		return apperr.Conflict("Account deletion would leave an organization without an active owner.")
	}
	if err == nil {
		s.log.InfoContext(ctx, "audit: account_deleted", "user_id", userID, "by", "admin_console")
	}
	return err
}
