package accounts

import (
	"context"
	"errors"
	"fmt"

	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5"
)

// CreateSuperuser creates a verified, active platform admin who can log in
// at once (createsuperuser). The password must pass the policy.
func (s *Service) CreateSuperuser(ctx context.Context, email, password string) (int64, error) {
	email = NormalizeEmail(email)
	if !ValidEmail(email) {
		return 0, errors.New("accounts: createsuperuser: not a valid email address")
	}
	if err := s.policy.Validate(password, UserAttributes{Email: email}); err != nil {
		return 0, fmt.Errorf("accounts: createsuperuser: %w", err)
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := s.CreateUser(ctx, tx, NewUser{Email: email, PasswordHash: hash, EmailVerified: true, Superuser: true})
		id = row.ID
		return err
	})
	if errors.Is(err, ErrEmailTaken) {
		return 0, fmt.Errorf("accounts: createsuperuser: a user with the email %s already exists", email)
	}
	return id, err
}

// EnsureVerifiedUser returns the user with email, creating it (verified,
// with its personal org) when missing; a non-empty password is set either
// way (on an existing user it ends its sessions and pending links).
// seed-demo uses it, so it is idempotent.
func (s *Service) EnsureVerifiedUser(ctx context.Context, email, password string) (id int64, created bool, err error) {
	email = NormalizeEmail(email)
	if !ValidEmail(email) {
		return 0, false, errors.New("accounts: not a valid email address")
	}
	hash := ""
	if password != "" {
		if err := s.policy.Validate(password, UserAttributes{Email: email}); err != nil {
			return 0, false, err
		}
		if hash, err = s.hasher.Hash(ctx, password); err != nil {
			return 0, false, err
		}
	}
	err = s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		u, err := q.AccountByEmail(ctx, email)
		switch {
		case isNoRows(err):
			row, err := s.CreateUser(ctx, tx, NewUser{Email: email, PasswordHash: hash, EmailVerified: true})
			id, created = row.ID, true
			return nil, err
		case err != nil:
			return nil, err
		}
		id = u.ID
		if err := q.MarkAccountVerified(ctx, id); err != nil {
			return nil, err
		}
		if hash != "" { // a new password ends sessions and pending links, as everywhere
			if _, err := q.LockAccount(ctx, id); err != nil {
				return nil, err
			}
			if err := s.setPassword(ctx, q, id, hash); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	return id, created, err
}
