package cleanup

import (
	"context"
	"fmt"

	"apistarter/internal/jobs"
)

// ExpiredTokens deletes expired device sessions, pending registrations,
// password resets, email changes and idempotency records.
func (s *Service) ExpiredTokens(ctx context.Context) (jobs.Result, error) {
	res := jobs.Result{}
	for _, k := range []struct {
		name string
		del  func(context.Context, int32) (int64, error)
	}{
		{"sessions", s.q.DeleteExpiredSessions},
		{"pending_registrations", s.q.DeleteExpiredPendingRegistrations},
		{"password_resets", s.q.DeleteExpiredPasswordResets},
		{"email_changes", s.q.DeleteExpiredEmailChanges},
		{"idempotency_records", s.q.DeleteExpiredIdempotencyRecords},
	} {
		n, err := drain(ctx, k.del)
		res[k.name] = n
		if err != nil {
			return res, fmt.Errorf("cleanup: expired %s: %w", k.name, err)
		}
	}
	s.Log.Info("expired tokens cleaned up", "result", res.String())
	return res, nil
}

// drain runs a batch delete until a batch comes back short, at most
// maxBatches times.
func drain(ctx context.Context, del func(context.Context, int32) (int64, error)) (int64, error) {
	var total int64
	for range maxBatches {
		n, err := del(ctx, batchSize)
		total += n
		if err != nil || n < batchSize {
			return total, err
		}
	}
	return total, nil
}
