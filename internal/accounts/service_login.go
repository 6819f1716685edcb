package accounts

import (
	"context"
	"fmt"
	"strings"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/ratelimit"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Session is a new or rotated device session: its tokens and the account.
type Session struct {
	Access  string
	Refresh string
	Email   string
}

// checkCredentials is the password check of every sign-in (API and admin
// console): the backoff per (address, client network), the same hashing
// work for unknown addresses, and one answer, invalid, for an unknown
// address, a wrong password and an inactive user alike; failEvent is the
// audit line of a failure.
func (s *Service) checkCredentials(ctx context.Context, email, password, clientIP, failEvent string, invalid error) (sqlc.AccountByEmailRow, error) {
	email = NormalizeEmail(email)
	subject, source := loginSubject(email), ratelimit.NetworkIdent(clientIP)
	if s.logins != nil {
		if wait := s.logins.Locked(ctx, subject, source); wait > 0 {
			return sqlc.AccountByEmailRow{}, ratelimit.TooMany(wait)
		}
	}
	u, err := s.q.AccountByEmail(ctx, email)
	if err != nil && !isNoRows(err) {
		return sqlc.AccountByEmailRow{}, fmt.Errorf("accounts: sign-in: %w", err)
	}
	found := err == nil
	ok, err := s.hasher.Verify(ctx, password, u.PasswordHash) // "" when not found: dummy work
	if err != nil {
		return sqlc.AccountByEmailRow{}, err
	}
	if !found || !ok || !u.IsActive {
		if s.logins != nil {
			s.logins.Failure(ctx, subject, source)
		}
		s.log.InfoContext(ctx, failEvent)
		return sqlc.AccountByEmailRow{}, invalid
	}
	if s.logins != nil {
		s.logins.Success(ctx, subject, source)
	}
	return u, nil
}

// Login checks email and password and opens a device session. Unknown
// addresses, wrong passwords and inactive users get the same 401 after the
// same amount of hashing work; repeated failures for one address from one
// client network lock that pair out for a growing time (429). clientIP is
// the resolved client address ("" when unknown).
func (s *Service) Login(ctx context.Context, email, password, deviceName, clientIP string) (Session, error) {
	u, err := s.checkCredentials(ctx, email, password, clientIP, "audit: login_failed", errInvalidCredentials)
	if err != nil {
		return Session{}, err
	}
	if s.settings.RequireEmailVerification && !u.EmailVerified {
		return Session{}, apperr.Forbidden("Please verify your email address before logging in.").With("email_verified", false)
	}
	rehash := ""
	if s.hasher.NeedsRehash(u.PasswordHash) { // parameters changed since it was stored
		if rehash, err = s.hasher.Hash(ctx, password); err != nil {
			return Session{}, err
		}
	}
	var out Session
	err = s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		if rehash != "" {
			if err := q.RehashAccountPassword(ctx, sqlc.RehashAccountPasswordParams{UserID: u.ID, OldHash: u.PasswordHash, NewHash: rehash}); err != nil {
				return nil, fmt.Errorf("accounts: rehash: %w", err)
			}
		}
		var err error
		out, err = s.openSession(ctx, q, u.ID, u.AuthVersion, u.Email, deviceName)
		return nil, err
	})
	return out, err
}

// loginSubject is the backoff subject of an address: its hash, so Redis
// keys carry no address.
func loginSubject(email string) string { return auth.HashToken(NormalizeEmail(email)) }

// clearLoginBackoff lifts every login lock of the address, from every
// network: the owner just proved control of the mailbox.
func (s *Service) clearLoginBackoff(ctx context.Context, email string) {
	if s.logins != nil {
		s.logins.Clear(ctx, loginSubject(email))
	}
}

// openSession creates a device session and its first token pair.
func (s *Service) openSession(ctx context.Context, q *sqlc.Queries, userID, authVersion int64, email, deviceName string) (Session, error) {
	sid := uuid.New()
	pair, err := s.tokens.IssuePair(userID, sid, authVersion)
	if err != nil {
		return Session{}, err
	}
	err = q.InsertSession(ctx, sqlc.InsertSessionParams{
		ID: sid, UserID: userID, AuthVersion: authVersion, DeviceName: strings.TrimSpace(deviceName),
		RefreshJti: pair.RefreshJTI, ExpiresAt: s.now().Add(auth.RefreshLifetime),
	})
	if err != nil {
		return Session{}, fmt.Errorf("accounts: open session: %w", err)
	}
	return Session{Access: pair.Access, Refresh: pair.Refresh, Email: email}, nil
}
