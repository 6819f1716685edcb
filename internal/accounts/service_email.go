package accounts

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/mail"

	"github.com/jackc/pgx/v5"
)

// RequestEmailChange records a pending change to newEmail (24 h, bound to
// the current auth_version), mails a security notice to the current address
// and the confirmation link to the new one.
func (s *Service) RequestEmailChange(ctx context.Context, p *auth.Principal, newEmail, password string) error {
	newEmail = NormalizeEmail(newEmail)
	u, err := s.q.AccountByID(ctx, p.UserID)
	if err != nil {
		return fmt.Errorf("accounts: email change: %w", err)
	}
	if newEmail == u.Email {
		return apperr.Invalid("New email must differ from the current email.")
	}
	ok, err := s.hasher.Verify(ctx, password, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return errPasswordIncorrect
	}
	if err := s.capRecipient(ctx, s.caps.emailChange, newEmail); err != nil {
		return err
	}
	token := auth.RandomToken()
	err = s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		locked, err := q.LockAccount(ctx, p.UserID)
		if err != nil {
			return nil, fmt.Errorf("accounts: email change: %w", err)
		}
		if locked.PasswordHash != u.PasswordHash {
			return errPasswordIncorrect, nil
		}
		if locked.Email == newEmail {
			return apperr.Invalid("New email must differ from the current email."), nil
		}
		taken, err := q.AccountEmailTakenByOther(ctx, sqlc.AccountEmailTakenByOtherParams{Email: newEmail, UserID: p.UserID})
		if err != nil {
			return nil, fmt.Errorf("accounts: email change: %w", err)
		}
		if taken {
			return apperr.Invalid("Email already taken"), nil
		}
		err = q.UpsertEmailChange(ctx, sqlc.UpsertEmailChangeParams{
			UserID: p.UserID, NewEmail: newEmail, AuthVersion: locked.AuthVersion,
			TokenHash: auth.HashToken(token), ExpiresAt: s.now().Add(EmailChangeLifetime),
		})
		if err != nil {
			return nil, fmt.Errorf("accounts: email change: %w", err)
		}
		data := mail.EmailChangeData{Project: s.settings.ProjectName, Name: locked.Username, OldEmail: locked.Email, NewEmail: newEmail}
		if err := s.sendMail(ctx, tx, mail.EmailChangeRequested, data, locked.Email); err != nil {
			return nil, err
		}
		data.Link, data.ExpiresIn = s.link(mail.PathVerifyEmailChange, token), EmailChangeLifetime
		return nil, s.sendMail(ctx, tx, mail.EmailChangeVerification, data, newEmail)
	})
	return err
}

// ConfirmEmailChange applies a pending change: the address changes, every
// session ends, and both addresses are told. A password change or any
// other auth_version bump since the request voids it.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string) error {
	hash := auth.HashToken(token)
	userID, err := s.q.EmailChangeUserByToken(ctx, hash) // unlocked: finds the user to lock first
	if isNoRows(err) {
		return errInvalidToken
	}
	if err != nil {
		return fmt.Errorf("accounts: email verify: %w", err)
	}
	err = s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		u, err := q.LockAccount(ctx, userID)
		if isNoRows(err) {
			return errInvalidToken, nil
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: email verify: %w", err)
		}
		pending, err := q.LockEmailChange(ctx, sqlc.LockEmailChangeParams{UserID: userID, TokenHash: hash})
		if isNoRows(err) {
			return errInvalidToken, nil
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: email verify: %w", err)
		}
		if !pending.ExpiresAt.After(s.now()) {
			return errTokenExpired, q.DeleteEmailChange(ctx, pending.ID)
		}
		if pending.AuthVersion != u.AuthVersion {
			return errInvalidToken, q.DeleteEmailChange(ctx, pending.ID)
		}
		taken, err := q.AccountEmailTakenByOther(ctx, sqlc.AccountEmailTakenByOtherParams{Email: pending.NewEmail, UserID: userID})
		if err != nil {
			return nil, fmt.Errorf("accounts: email verify: %w", err)
		}
		if taken {
			return apperr.Invalid("Email already taken."), q.DeleteEmailChange(ctx, pending.ID)
		}
		if err := q.DeleteEmailChange(ctx, pending.ID); err != nil {
			return nil, fmt.Errorf("accounts: email verify: %w", err)
		}
		if err := q.SetAccountEmail(ctx, sqlc.SetAccountEmailParams{UserID: userID, Email: pending.NewEmail}); err != nil {
			return nil, fmt.Errorf("accounts: email verify: %w", err)
		}
		if err := revokeAll(ctx, q, userID); err != nil {
			return nil, fmt.Errorf("accounts: email verify: %w", err)
		}
		data := mail.EmailChangeData{Project: s.settings.ProjectName, Name: u.Username, OldEmail: u.Email, NewEmail: pending.NewEmail}
		for _, to := range []string{u.Email, pending.NewEmail} {
			if err := s.sendMail(ctx, tx, mail.EmailChangeCompleted, data, to); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if db.IsUniqueViolation(err) { // the address was taken by a concurrent registration
		return apperr.Invalid("Email already taken.")
	}
	return err
}
