package accounts

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db/sqlc"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Refresh rotates a refresh token: the session keeps one current refresh
// jti, and a validly signed token of the session that is not the current
// one (already rotated, or not a refresh token at all) is a replay: the
// whole session is revoked, so its newest tokens die too. Refreshing slides
// the session's expiry to now + 30 days.
func (s *Service) Refresh(ctx context.Context, raw string) (Session, error) {
	claims, sid, err := s.parseSessionToken(raw)
	if err != nil {
		return Session{}, errInvalidRefresh
	}
	var out Session
	err = s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		user, err := q.LockAccount(ctx, claims.UserID)
		if isNoRows(err) {
			return errInvalidRefresh, nil
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: refresh: %w", err)
		}
		sess, err := q.LockSession(ctx, sid)
		if isNoRows(err) || (err == nil && sess.UserID != user.ID) {
			return errInvalidRefresh, nil
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: refresh: %w", err)
		}
		replay := claims.TokenType != auth.TypeRefresh || sess.RefreshJti == "" || sess.RefreshJti != claims.ID
		stale := !user.IsActive || claims.AuthVersion != user.AuthVersion || sess.AuthVersion != user.AuthVersion ||
			sess.RevokedAt != nil || !sess.ExpiresAt.After(s.now())
		if replay || stale {
			if replay && sess.RevokedAt == nil {
				s.log.WarnContext(ctx, "audit: refresh_replay_session_revoked", "user_id", user.ID, "session_id", sid.String())
			}
			if err := q.RevokeSession(ctx, sid); err != nil {
				return nil, fmt.Errorf("accounts: refresh: revoke: %w", err)
			}
			return errInvalidRefresh, nil // committed: the revocation stays
		}
		pair, err := s.tokens.IssuePair(user.ID, sid, user.AuthVersion)
		if err != nil {
			return nil, err
		}
		err = q.RotateSession(ctx, sqlc.RotateSessionParams{ID: sid, RefreshJti: pair.RefreshJTI, ExpiresAt: s.now().Add(auth.RefreshLifetime)})
		if err != nil {
			return nil, fmt.Errorf("accounts: refresh: rotate: %w", err)
		}
		out = Session{Access: pair.Access, Refresh: pair.Refresh, Email: user.Email}
		return nil, nil
	})
	return out, err
}

// parseSessionToken verifies signature, expiry, issuer and audience of a
// token of any type and requires its session claims.
func (s *Service) parseSessionToken(raw string) (*auth.Claims, uuid.UUID, error) {
	claims, err := s.tokens.Parse(raw, "")
	if err != nil {
		return nil, uuid.Nil, err
	}
	sid, err := uuid.Parse(claims.SessionID)
	if err != nil || claims.UserID == 0 || claims.AuthVersion == 0 {
		return nil, uuid.Nil, auth.ErrInvalidToken
	}
	return claims, sid, nil
}

// Logout revokes the session of a current refresh token. The token must be
// the session's current one: logging out twice with it is a 401.
func (s *Service) Logout(ctx context.Context, raw string) error {
	claims, sid, err := s.parseSessionToken(raw)
	if err != nil || claims.TokenType != auth.TypeRefresh {
		return errInvalidRefresh
	}
	return s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		sess, err := q.LockSession(ctx, sid)
		if isNoRows(err) {
			return errInvalidRefresh, nil
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: logout: %w", err)
		}
		if sess.UserID != claims.UserID || sess.RefreshJti == "" || sess.RefreshJti != claims.ID {
			return errInvalidRefresh, nil
		}
		if err := q.RevokeSession(ctx, sid); err != nil {
			return nil, fmt.Errorf("accounts: logout: %w", err)
		}
		return nil, nil
	})
}

// VerifyToken checks a token of any type: signature, expiry, issuer,
// audience, and that its session is live and its auth_version current, so a
// token of a revoked session fails here as it would on use. A refresh token
// that was rotated away is a 400 "Token is blacklisted", the text clients
// know.
func (s *Service) VerifyToken(ctx context.Context, raw string) error {
	claims, sid, err := s.parseSessionToken(raw)
	if err != nil {
		return tokenNotValid()
	}
	st, err := s.q.SessionState(ctx, sqlc.SessionStateParams{ID: sid, UserID: claims.UserID})
	if isNoRows(err) {
		return tokenNotValid()
	}
	if err != nil {
		return fmt.Errorf("accounts: verify token: %w", err)
	}
	if !st.IsActive || claims.AuthVersion != st.AuthVersion || st.SessionAuthVersion != st.AuthVersion ||
		st.RevokedAt != nil || !st.ExpiresAt.After(s.now()) {
		return tokenNotValid()
	}
	if claims.TokenType == auth.TypeRefresh && st.RefreshJti != claims.ID {
		return apperr.Invalid("Token is blacklisted").With("code", "token_not_valid")
	}
	return nil
}

func tokenNotValid() *apperr.Error {
	return apperr.Unauthorized("Token is invalid or expired").With("code", "token_not_valid")
}
