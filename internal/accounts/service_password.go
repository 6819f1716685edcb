package accounts

import (
	"context"
	"fmt"
	"strings"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/mail"

	"github.com/jackc/pgx/v5"
)

// ChangePassword replaces the caller's password after checking the old one,
// then ends every session (the caller's tokens die too).
func (s *Service) ChangePassword(ctx context.Context, p *auth.Principal, oldPassword, newPassword string) error {
	u, err := s.q.AccountByID(ctx, p.UserID)
	if err != nil {
		return fmt.Errorf("accounts: change password: %w", err)
	}
	// Hash outside the transaction; under the lock we only check that the
	// stored hash is still the one verified.
	ok, err := s.hasher.Verify(ctx, oldPassword, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Invalid("Old password is incorrect")
	}
	if err := s.policy.Validate(newPassword, attributesOf(u)); err != nil {
		return err
	}
	newHash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		locked, err := q.LockAccount(ctx, p.UserID)
		if err != nil {
			return nil, fmt.Errorf("accounts: change password: %w", err)
		}
		if locked.PasswordHash != u.PasswordHash {
			return apperr.Invalid("Old password is incorrect"), nil
		}
		return nil, s.setPassword(ctx, q, p.UserID, newHash)
	})
}

func (s *Service) setPassword(ctx context.Context, q *sqlc.Queries, userID int64, hash string) error {
	if err := q.SetAccountPassword(ctx, sqlc.SetAccountPasswordParams{UserID: userID, PasswordHash: hash}); err != nil {
		return fmt.Errorf("accounts: set password: %w", err)
	}
	if err := revokeAll(ctx, q, userID); err != nil {
		return fmt.Errorf("accounts: revoke sessions: %w", err)
	}
	return nil
}

func attributesOf(u sqlc.User) UserAttributes {
	return UserAttributes{Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email}
}

// RequestPasswordReset mails a 2-hour reset link when an account (active or
// not) has the address; the single pending reset of the user is replaced.
// Callers answer the same whatever happens, except a 429 from the
// per-recipient cap, which counts every request naming the address.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email = NormalizeEmail(email)
	if err := s.capRecipient(ctx, s.caps.reset, email); err != nil {
		return err
	}
	u, err := s.q.AccountByEmail(ctx, email)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("accounts: reset request: %w", err)
	}
	token := auth.RandomToken()
	return s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		locked, err := q.LockAccount(ctx, u.ID)
		if isNoRows(err) {
			return nil, nil // deleted meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: reset request: %w", err)
		}
		err = q.UpsertPasswordReset(ctx, sqlc.UpsertPasswordResetParams{
			UserID: u.ID, AuthVersion: locked.AuthVersion, TokenHash: auth.HashToken(token), ExpiresAt: s.now().Add(ResetLifetime),
		})
		if err != nil {
			return nil, fmt.Errorf("accounts: reset request: %w", err)
		}
		name := strings.TrimSpace(locked.FirstName + " " + locked.LastName)
		if name == "" {
			name = locked.Email
		}
		return nil, s.sendMail(ctx, tx, mail.PasswordReset, mail.LinkData{
			Project: s.settings.ProjectName, Name: name, Link: s.link(mail.PathResetPassword, token), ExpiresIn: ResetLifetime,
		}, locked.Email)
	})
}

// ConfirmPasswordReset sets a new password with a reset token, once: of two
// concurrent confirmations with one token exactly one succeeds. Every
// session ends, and so does every login lock of the address. A token
// issued before the last auth_version bump (password, address or sessions
// changed since) is refused like an unknown one.
func (s *Service) ConfirmPasswordReset(ctx context.Context, token, newPassword string) error {
	hash := auth.HashToken(token)
	found, err := s.q.PasswordResetByToken(ctx, hash) // unlocked: finds the user to lock first
	if isNoRows(err) {
		return errInvalidToken
	}
	if err != nil {
		return fmt.Errorf("accounts: reset confirm: %w", err)
	}
	var newHash string
	if found.ExpiresAt.After(s.now()) && found.Current { // a stale token is refused before the policy speaks
		attrs := UserAttributes{Username: found.Username, FirstName: found.FirstName, LastName: found.LastName, Email: found.Email}
		if err := s.policy.Validate(newPassword, attrs); err != nil {
			return err // the token stays usable
		}
		if newHash, err = s.hasher.Hash(ctx, newPassword); err != nil {
			return err
		}
	}
	var email string
	err = s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		u, err := q.LockAccount(ctx, found.UserID)
		if isNoRows(err) {
			return errInvalidToken, nil
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: reset confirm: %w", err)
		}
		pending, err := q.LockPasswordReset(ctx, sqlc.LockPasswordResetParams{UserID: found.UserID, TokenHash: hash})
		if isNoRows(err) {
			return errInvalidToken, nil // used or replaced meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: reset confirm: %w", err)
		}
		if pending.AuthVersion != u.AuthVersion {
			return errInvalidToken, q.DeletePasswordReset(ctx, pending.ID)
		}
		if !pending.ExpiresAt.After(s.now()) || newHash == "" {
			return errTokenExpired, q.DeletePasswordReset(ctx, pending.ID)
		}
		if err := q.DeletePasswordReset(ctx, pending.ID); err != nil {
			return nil, fmt.Errorf("accounts: reset confirm: %w", err)
		}
		email = u.Email
		return nil, s.setPassword(ctx, q, found.UserID, newHash)
	})
	if err == nil {
		s.clearLoginBackoff(ctx, email)
	}
	return err
}
