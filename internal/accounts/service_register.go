package accounts

import (
	"context"
	"errors"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/mail"

	"github.com/jackc/pgx/v5"
)

// Generic answers that never tell whether an address has an account.
const (
	msgRegistrationSent = "If the address can be registered, a verification email has been sent."
	msgResetSent        = "If the email exists, a password reset link has been sent."
)

// Register starts a registration: unless an account already has the
// address, the single pending registration of the address gets a new
// 12-hour token (the previous link stops working) and the link is mailed.
// The caller always answers with the same generic message, unless the
// per-recipient cap refuses the address (429, whether or not it has an
// account).
func (s *Service) Register(ctx context.Context, email string) error {
	email = NormalizeEmail(email)
	if err := s.capRecipient(ctx, s.caps.registration, email); err != nil {
		return err
	}
	exists, err := s.q.AccountEmailExists(ctx, email)
	if err != nil {
		return fmt.Errorf("accounts: register: %w", err)
	}
	if exists {
		return nil
	}
	token := auth.RandomToken()
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		err := s.q.WithTx(tx).UpsertPendingRegistration(ctx, sqlc.UpsertPendingRegistrationParams{
			Email: email, TokenHash: auth.HashToken(token), ExpiresAt: s.now().Add(RegistrationLifetime),
		})
		if err != nil {
			return fmt.Errorf("accounts: register: %w", err)
		}
		return s.sendMail(ctx, tx, mail.RegistrationVerification, mail.LinkData{
			Project: s.settings.ProjectName, Link: s.link(mail.PathVerifyRegistration, token), ExpiresIn: RegistrationLifetime,
		}, email)
	})
	if db.IsUniqueViolation(err) {
		return nil // a concurrent registration of the same address won
	}
	return err
}

// VerifyRegistration turns a pending registration into an account (email
// verified, personal org, owner membership) and opens its first session.
// A password that fails the policy leaves the token usable.
func (s *Service) VerifyRegistration(ctx context.Context, token, password, deviceName string) (Session, error) {
	hash := auth.HashToken(token)
	// Validate and hash before taking locks: argon2id is the slow part.
	var pwHash string
	if pending, err := s.q.PendingRegistrationByToken(ctx, hash); err == nil && pending.ExpiresAt.After(s.now()) {
		if err := s.policy.Validate(password, UserAttributes{Email: pending.Email}); err != nil {
			return Session{}, err
		}
		if pwHash, err = s.hasher.Hash(ctx, password); err != nil {
			return Session{}, err
		}
	} else if err != nil && !isNoRows(err) {
		return Session{}, fmt.Errorf("accounts: verify registration: %w", err)
	}
	var out Session
	err := s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		pending, err := q.LockPendingRegistration(ctx, hash)
		if isNoRows(err) {
			return errInvalidToken, nil
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: verify registration: %w", err)
		}
		if !pending.ExpiresAt.After(s.now()) {
			return errTokenExpired, q.DeletePendingRegistration(ctx, pending.ID)
		}
		exists, err := q.AccountEmailExists(ctx, pending.Email)
		if err != nil {
			return nil, fmt.Errorf("accounts: verify registration: %w", err)
		}
		if exists {
			return errInvalidToken, q.DeletePendingRegistration(ctx, pending.ID)
		}
		if pwHash == "" { // the row appeared after the unlocked read: not a real token
			return errInvalidToken, nil
		}
		user, err := s.CreateUser(ctx, tx, NewUser{Email: pending.Email, PasswordHash: pwHash, EmailVerified: true})
		if err != nil {
			return nil, err
		}
		if err := q.DeletePendingRegistration(ctx, pending.ID); err != nil {
			return nil, fmt.Errorf("accounts: verify registration: %w", err)
		}
		out, err = s.openSession(ctx, q, user.ID, user.AuthVersion, pending.Email, deviceName)
		return nil, err
	})
	if errors.Is(err, ErrEmailTaken) || db.IsUniqueViolation(err) {
		return Session{}, apperr.Conflict("Registration could not be completed.")
	}
	return out, err
}
