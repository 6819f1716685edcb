package exports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/jobs"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// HeartbeatEvery is the most often a runner writes its heartbeat.
const HeartbeatEvery = 30 * time.Second

// errJobLost stops a runner whose job left the processing state under it.
var errJobLost = errors.New("exports: job is no longer processing")

// Run builds the archive of one job. Only one runner works on a job at a
// time: it holds a PostgreSQL session advisory lock on a connection of its
// own for the whole run. A job that is not pending or processing, or whose
// lock is taken, is left alone.
func (s *Service) Run(parent context.Context, id uuid.UUID) error {
	ctx, cancel := context.WithTimeout(parent, s.MaxRunTime)
	defer cancel()
	conn, err := s.LockPool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("exports: run: acquire connection: %w", err)
	}
	defer conn.Release()
	q := sqlc.New(conn)
	key := runLockKey(id)
	locked, err := q.TryAdvisoryLock(ctx, key)
	if err != nil {
		return fmt.Errorf("exports: run: advisory lock: %w", err)
	}
	if !locked {
		// Another runner holds the job: a live one finishes it, one whose
		// worker is shutting down lets go in a moment. This task comes back
		// later instead of completing, so a job whose runner stopped is not
		// left processing until stale recovery.
		s.Log.Info("export being built elsewhere: retrying later", "job_id", id)
		return jobs.Later(fmt.Errorf("exports: run %s: another runner holds the job", id))
	}
	defer unlock(ctx, conn, key)

	job, err := q.ClaimExportJob(ctx, id)
	if db.IsNoRows(err) {
		s.Log.Info("export has nothing left to do", "job_id", id)
		return nil
	}
	if err != nil {
		return fmt.Errorf("exports: run: claim: %w", err)
	}
	log := s.Log.With("job_id", id, "org_id", job.OrganizationID, "attempt", job.AttemptCount)
	log.Info("export started")
	started := time.Now()
	objectKey := ObjectKey(job.OrganizationID, id)
	man, err := s.build(ctx, conn, job, objectKey, log)
	if err == nil {
		err = s.finish(ctx, job, objectKey, log)
	}
	if err != nil {
		return s.fail(parent, job, objectKey, err, log)
	}
	log.Info("export ready", "duration", time.Since(started).Round(time.Millisecond),
		"files", len(man.Files), "missing_media", len(man.Missing), "contacts", man.Counts["contacts"])
	return nil
}

// unlock releases the session lock; a connection that cannot say so is
// closed, so the pool never hands out a connection holding the lock.
func unlock(ctx context.Context, conn *pgxpool.Conn, key int64) {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := sqlc.New(conn).AdvisoryUnlock(uctx, key); err != nil {
		_ = conn.Conn().Close(uctx)
	}
}

// build streams the archive into storage: the zip is written into a pipe
// that Put reads (a multipart upload on S3), so memory stays flat. The rows
// come from one repeatable-read snapshot on the locked connection.
func (s *Service) build(ctx context.Context, conn *pgxpool.Conn, job sqlc.ExportJob, objectKey string, log *slog.Logger) (*Manifest, error) {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("exports: run: snapshot: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	hb := &heartbeat{q: s.q, id: job.ID, last: time.Now()}
	a := &Archive{
		Sections: orgSections(tx, job.OrganizationID),
		Media:    orgMedia(tx, job.OrganizationID, s.Private, s.Public),
		Log:      log,
		Progress: func(ctx context.Context) error {
			if err := hb.beat(ctx); err != nil {
				return err
			}
			if s.AfterFile != nil {
				return s.AfterFile(ctx)
			}
			return nil
		},
	}
	pr, pw := io.Pipe()
	type result struct {
		man *Manifest
		err error
	}
	done := make(chan result, 1)
	go func() {
		man, err := a.Write(ctx, pw)
		pw.CloseWithError(err) // nil: Put sees EOF
		done <- result{man, err}
	}()
	putErr := s.Private.Put(ctx, objectKey, pr, -1, "application/zip")
	// Put may return before reading everything; unblock the writer.
	pr.CloseWithError(errors.New("exports: upload ended"))
	res := <-done
	if res.err != nil {
		return nil, res.err
	}
	if putErr != nil {
		return nil, fmt.Errorf("exports: run: upload: %w", putErr)
	}
	return res.man, nil
}

// heartbeat writes heartbeat_at at most every HeartbeatEvery, from the
// pool: the locked connection is busy streaming rows.
type heartbeat struct {
	q    *sqlc.Queries
	id   uuid.UUID
	last time.Time
}

func (h *heartbeat) beat(ctx context.Context) error {
	if time.Since(h.last) < HeartbeatEvery {
		return nil
	}
	n, err := h.q.HeartbeatExportJob(ctx, h.id)
	if err != nil {
		return fmt.Errorf("exports: heartbeat: %w", err)
	}
	if n == 0 {
		return errJobLost
	}
	h.last = time.Now()
	return nil
}

// finish marks the job ready and, in the same transaction, queues the
// requester's email. The org is share-locked first, so the requester's
// rights read here are those at commit: a demotion or removal either
// committed before (no link is mailed, the job says why) or waits for us.
func (s *Service) finish(ctx context.Context, job sqlc.ExportJob, objectKey string, log *slog.Logger) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		q := s.q.WithTx(tx)
		if _, err := q.LockOrgShared(ctx, job.OrganizationID); db.IsNoRows(err) {
			return errJobLost // deleted with its org
		} else if err != nil {
			return fmt.Errorf("exports: run: lock org: %w", err)
		}
		msg, notice := s.readyMail(ctx, q, job, objectKey, log)
		_, err := q.MarkExportReady(ctx, sqlc.MarkExportReadyParams{
			ID: job.ID, ObjectKey: objectKey, RetentionDays: int32(s.RetentionDays), EmailNotice: notice,
		})
		if db.IsNoRows(err) {
			return errJobLost
		}
		if err != nil {
			return fmt.Errorf("exports: run: mark ready: %w", err)
		}
		if notice != "" {
			log.Info("export ready email not sent", "user_id", job.RequestedByID, "reason", notice)
			return nil
		}
		if _, err := s.Outbox.EnqueueEmail(ctx, tx, msg); err != nil {
			return fmt.Errorf("exports: run: queue email: %w", err)
		}
		log.Info("export ready email queued", "user_id", job.RequestedByID)
		return nil
	})
}

// fail deletes whatever was stored and marks the job failed. A run stopped
// by the caller's context (worker shutdown) is not a failure of the export:
// the job stays processing and is taken over by the next run or by stale
// recovery. Running out of MaxRunTime is a failure.
func (s *Service) fail(ctx context.Context, job sqlc.ExportJob, objectKey string, cause error, log *slog.Logger) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.Private.Delete(cctx, objectKey); err != nil {
		log.Error("export: delete partial archive", "error", err.Error())
	}
	if errors.Is(cause, errJobLost) {
		log.Warn("export abandoned: job left processing during the run")
		return nil
	}
	if ctx.Err() != nil {
		log.Warn("export interrupted", "error", cause.Error())
		return fmt.Errorf("exports: run interrupted: %w", cause)
	}
	log.Error("export failed", "error", cause.Error())
	if _, err := s.q.MarkExportFailed(cctx, sqlc.MarkExportFailedParams{ID: job.ID, ErrorMessage: msgGenerationFailed}); err != nil {
		return fmt.Errorf("exports: run: mark failed: %w (after %w)", err, cause)
	}
	// The failure is recorded on the job; a retry of the task would find it
	// failed and do nothing.
	return jobs.Permanent(fmt.Errorf("exports: run: %w", cause))
}
