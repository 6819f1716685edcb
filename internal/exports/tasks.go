package exports

import (
	"context"
	"encoding/json"
	"fmt"

	"apistarter/internal/jobs"

	"github.com/google/uuid"
)

// Names of the periodic jobs in the schedule table.
const (
	JobRecoverStale   = "recover-stale-exports"
	JobCleanupExpired = "cleanup-expired-exports"
)

// Register adds the export task handler and the export periodic jobs.
func (s *Service) Register(reg *jobs.Registry) {
	reg.Handle(TaskRun, s.handleRun)
	reg.AddPeriodic(jobs.Periodic{
		Name:        JobRecoverStale,
		Schedule:    "@every 5m",
		Description: "Re-queue exports whose runner died or that were never picked up.",
		Run:         s.RecoverStale,
	})
	reg.AddPeriodic(jobs.Periodic{
		Name:        JobCleanupExpired,
		Schedule:    "15 3 * * *",
		Description: "Delete export archives past their retention; mark the jobs expired.",
		Run:         s.CleanupExpired,
	})
}

// handleRun is the worker side of TaskRun.
func (s *Service) handleRun(ctx context.Context, payload []byte) error {
	var p RunPayload
	if err := json.Unmarshal(payload, &p); err != nil || p.JobID == uuid.Nil {
		return jobs.Permanent(fmt.Errorf("exports: run: bad payload"))
	}
	return s.Run(ctx, p.JobID)
}
