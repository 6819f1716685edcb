package exports

import (
	"context"

	"github.com/google/uuid"
)

// RunLockKey exposes the runner's advisory lock key to the external tests.
func RunLockKey(id uuid.UUID) int64 { return runLockKey(id) }

// Beat writes one heartbeat for job id, as a runner due for one would.
func Beat(ctx context.Context, s *Service, id uuid.UUID) error {
	h := &heartbeat{q: s.q, id: id}
	return h.beat(ctx)
}

// ErrJobLost is the error a runner stops with when its job was taken away.
var ErrJobLost = errJobLost
