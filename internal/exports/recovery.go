package exports

import (
	"context"
	"fmt"

	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/jobs"

	"github.com/jackc/pgx/v5"
)

// recoveryBatch bounds how many stale jobs one run looks at.
const recoveryBatch = 200

// RecoverStale re-queues pending jobs nobody picked up and processing jobs
// whose runner died, each re-checked under its row lock. A quiet job whose
// runner still holds its advisory lock is alive and left alone.
func (s *Service) RecoverStale(ctx context.Context) (jobs.Result, error) {
	res := jobs.Result{"requeued": 0, "still_running": 0}
	stale, err := s.q.StaleExportJobs(ctx, sqlc.StaleExportJobsParams{StaleSeconds: s.staleSeconds(), BatchSize: recoveryBatch})
	if err != nil {
		return res, fmt.Errorf("exports: recover: %w", err)
	}
	for _, st := range stale {
		var requeued, running bool
		err := db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
			q := s.q.WithTx(tx)
			row, err := q.LockExportJob(ctx, sqlc.LockExportJobParams{ID: st.ID, OrganizationID: st.OrganizationID, StaleSeconds: s.staleSeconds()})
			if db.IsNoRows(err) {
				return nil // deleted with its org meanwhile
			}
			if err != nil || !row.Stale {
				return err
			}
			free, err := q.TryExportRunLock(ctx, runLockKey(st.ID))
			if err != nil {
				return err
			}
			if !free {
				running = true
				return nil
			}
			if _, err := q.RequeueExportJob(ctx, sqlc.RequeueExportJobParams{ID: st.ID}); err != nil {
				return err
			}
			requeued = true
			return s.enqueueRun(ctx, tx, st.ID)
		})
		if err != nil {
			return res, fmt.Errorf("exports: recover %s: %w", st.ID, err)
		}
		switch {
		case requeued:
			res["requeued"]++
			s.Log.Warn("stale export re-queued", "job_id", st.ID, "org_id", st.OrganizationID)
		case running:
			res["still_running"]++
			s.Log.Warn("export is quiet but its runner holds the lock", "job_id", st.ID, "org_id", st.OrganizationID)
		}
	}
	return res, nil
}
