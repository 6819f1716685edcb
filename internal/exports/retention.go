package exports

import (
	"context"
	"fmt"

	"apistarter/internal/jobs"

	"github.com/google/uuid"
)

// Bounds of one retention run: batches of expiredBatch jobs, at most
// expiredMaxBatches of them; the rest waits for the next run.
const (
	expiredBatch      = 200
	expiredMaxBatches = 25
)

// CleanupExpired deletes the archives of ready jobs past their expiry and
// marks the jobs expired. A job whose object cannot be deleted stays ready
// and is tried again next run. Job rows are kept.
func (s *Service) CleanupExpired(ctx context.Context) (jobs.Result, error) {
	res := jobs.Result{"expired": 0, "delete_failed": 0}
	failed := map[uuid.UUID]bool{} // tried this run; they come back in later batches
	for range expiredMaxBatches {
		batch, err := s.q.ExpiredExportJobs(ctx, expiredBatch)
		if err != nil {
			return res, fmt.Errorf("exports: cleanup expired: %w", err)
		}
		progressed := false
		for _, j := range batch {
			if failed[j.ID] {
				continue
			}
			if j.ObjectKey != "" {
				if err := s.Private.Delete(ctx, j.ObjectKey); err != nil {
					s.Log.Error("export: delete expired archive", "job_id", j.ID, "error", err.Error())
					res["delete_failed"]++
					failed[j.ID] = true
					continue
				}
			}
			n, err := s.q.MarkExportExpired(ctx, j.ID)
			if err != nil {
				return res, fmt.Errorf("exports: cleanup expired %s: %w", j.ID, err)
			}
			res["expired"] += n
			progressed = true
		}
		if len(batch) < expiredBatch || !progressed {
			break
		}
	}
	if res["expired"] > 0 {
		s.Log.Info("expired exports cleaned up", "expired", res["expired"], "delete_failed", res["delete_failed"])
	}
	return res, nil
}
