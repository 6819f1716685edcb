package accounts

import (
	"context"
	"fmt"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db/sqlc"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// DeviceSession is one live session as listed to its owner.
type DeviceSession struct {
	ID         uuid.UUID `json:"id"`
	DeviceName string    `json:"device_name"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	Current    bool      `json:"current" doc:"true for the session of the token making this request"`
}

// ListSessions pages through the caller's live sessions, most recently
// used first.
func (s *Service) ListSessions(ctx context.Context, p *auth.Principal, limit, offset int) ([]DeviceSession, int64, error) {
	rows, err := s.q.ListLiveSessions(ctx, sqlc.ListLiveSessionsParams{UserID: p.UserID, Lim: int32(limit), Off: int32(offset)})
	if err != nil {
		return nil, 0, fmt.Errorf("accounts: list sessions: %w", err)
	}
	n, err := s.q.CountLiveSessions(ctx, p.UserID)
	if err != nil {
		return nil, 0, fmt.Errorf("accounts: count sessions: %w", err)
	}
	out := make([]DeviceSession, len(rows))
	for i, r := range rows {
		out[i] = DeviceSession{ID: r.ID, DeviceName: r.DeviceName, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, Current: r.ID == p.SessionID}
	}
	return out, n, nil
}

// RevokeSession ends one of the caller's live sessions (possibly the
// current one); other users' sessions are 404 like unknown ones.
func (s *Service) RevokeSession(ctx context.Context, p *auth.Principal, id uuid.UUID) error {
	n, err := s.q.RevokeOwnSession(ctx, sqlc.RevokeOwnSessionParams{ID: id, UserID: p.UserID})
	if err != nil {
		return fmt.Errorf("accounts: revoke session: %w", err)
	}
	if n == 0 {
		return apperr.NotFound("Session not found")
	}
	return nil
}

// LogoutAll ends every session of the caller and bumps auth_version.
func (s *Service) LogoutAll(ctx context.Context, p *auth.Principal) error {
	return s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		if _, err := q.LockAccount(ctx, p.UserID); err != nil {
			return nil, fmt.Errorf("accounts: logout all: %w", err)
		}
		if err := revokeAll(ctx, q, p.UserID); err != nil {
			return nil, fmt.Errorf("accounts: logout all: %w", err)
		}
		return nil, nil
	})
}
