package exports

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/jobs"
	"apistarter/internal/mail"
	"apistarter/internal/orgs"
	"apistarter/internal/storage"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Job states.
const (
	StatusPending    = "pending"
	StatusProcessing = "processing"
	StatusReady      = "ready"
	StatusFailed     = "failed"
	StatusExpired    = "expired"
)

// Task types and their retry budgets.
const (
	TaskRun = "export:run"
	// A failed run marks the job failed; the retry that follows sees that
	// and does nothing, so a few retries only cover transient errors before
	// the job was claimed.
	runMaxRetry = 3
)

// Client-facing messages; clients match on these texts.
const (
	msgGenerationFailed = "Export generation failed."
	msgNotQueued        = "Export could not be queued."
	msgRetryConflict    = "Only failed or stale exports can be retried."
	msgAlreadyActive    = "Another export of this organization is already in progress."
)

// ScopeCreate is the rate-limit scope shared by export creation and retry
// (per user, RATELIMIT_EXPORTS_PER_USER).
const ScopeCreate = "exports_create"

// DownloadURLTTL is the lifetime of the link the single-job GET returns.
const DownloadURLTTL = 5 * time.Minute

// RunPayload is the payload of TaskRun.
type RunPayload struct {
	JobID uuid.UUID `json:"job_id"`
}

// ObjectKey is the deterministic storage key of a job's archive: a rerun
// overwrites it, so no second archive of one job can remain.
func ObjectKey(orgID int64, jobID uuid.UUID) string {
	return fmt.Sprintf("%s%d/%s.zip", KeyPrefix, orgID, jobID)
}

// KeyPrefix is where every archive lives in the private namespace.
const KeyPrefix = "private/exports/"

// runLockKey is the advisory lock key of one job: the first 8 bytes of a
// hash of a namespaced id, so it cannot collide with other features' locks.
func runLockKey(id uuid.UUID) int64 {
	sum := sha256.Sum256([]byte("apistarter:export:" + id.String()))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// Deps is what the service needs.
type Deps struct {
	Pool *pgxpool.Pool
	// LockPool is where a run holds its session advisory lock and reads its
	// snapshot: a direct connection, not a transaction pooler. Pool when nil.
	LockPool *pgxpool.Pool
	Outbox   *jobs.Outbox
	Private  storage.Storage // archives and image files
	Public   storage.Storage // contact avatars
	Mail     *mail.Templates
	Log      *slog.Logger

	Project       string        // product name in the email
	RetentionDays int           // EXPORT_RETENTION_DAYS
	StaleAfter    time.Duration // EXPORT_STALE_AFTER
	// MaxRunTime bounds one run; it must stay below StaleAfter. 30 minutes
	// when zero.
	MaxRunTime time.Duration
	// AfterFile is called after every file written to an archive (tests
	// slow the runner down with it). Optional.
	AfterFile func(ctx context.Context) error
}

// Service runs the export jobs.
type Service struct {
	Deps
	q *sqlc.Queries
}

// NewService builds the service.
func NewService(d Deps) (*Service, error) {
	switch {
	case d.Pool == nil || d.Outbox == nil || d.Private == nil || d.Public == nil || d.Mail == nil:
		return nil, errors.New("exports: pool, outbox, storage and mail templates are required")
	case d.RetentionDays <= 0 || d.StaleAfter <= 0:
		return nil, errors.New("exports: retention and stale window must be positive")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.MaxRunTime <= 0 {
		d.MaxRunTime = 30 * time.Minute
	}
	if d.LockPool == nil {
		d.LockPool = d.Pool
	}
	return &Service{Deps: d, q: sqlc.New(d.Pool)}, nil
}

// staleSeconds is the stale window as the SQL queries take it.
func (s *Service) staleSeconds() float64 { return s.StaleAfter.Seconds() }

// Create starts an export of the scope's org, or returns the org's active
// export: there is at most one at a time. The job row and its task are
// written in one transaction.
func (s *Service) Create(ctx context.Context, sc orgs.Scope) (sqlc.ExportJob, error) {
	if err := sc.RequireAdmin(); err != nil {
		return sqlc.ExportJob{}, err
	}
	// The active job may finish between the conflict and the lookup; the
	// next attempt then inserts.
	for range 3 {
		var (
			job     sqlc.ExportJob
			created bool
		)
		err := db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
			q := s.q.WithTx(tx)
			var err error
			job, err = q.InsertExportJob(ctx, sqlc.InsertExportJobParams{ID: uuid.New(), OrganizationID: sc.OrgID, RequestedByID: &sc.UserID})
			if db.IsNoRows(err) {
				job, err = q.ActiveExportJob(ctx, sc.OrgID)
				return err
			}
			if err != nil {
				return err
			}
			created = true
			return s.enqueueRun(ctx, tx, job.ID)
		})
		if db.IsNoRows(err) {
			continue
		}
		if err != nil {
			return sqlc.ExportJob{}, s.queueError("create", err)
		}
		if created {
			s.Log.Info("export requested", "job_id", job.ID, "org_id", sc.OrgID, "user_id", sc.UserID)
		}
		return job, nil
	}
	return sqlc.ExportJob{}, apperr.Unavailable(msgNotQueued)
}

// errEnqueue marks a failure to write the run task.
var errEnqueue = errors.New("exports: enqueue run")

func (s *Service) enqueueRun(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	task, err := jobs.NewTask(TaskRun, jobs.QueueExports, RunPayload{JobID: id}, runMaxRetry)
	if err != nil {
		return err
	}
	if _, err := s.Outbox.Enqueue(ctx, tx, task); err != nil {
		return fmt.Errorf("%w: %w", errEnqueue, err)
	}
	return nil
}

// queueError turns a failed enqueue into a logged 503 (the queue is
// unavailable, not the request wrong); domain errors pass through.
func (s *Service) queueError(op string, err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, errEnqueue) {
		s.Log.Error("export could not be queued", "op", op, "error", err.Error())
		return apperr.Unavailable(msgNotQueued)
	}
	return fmt.Errorf("exports: %s: %w", op, err)
}

// List returns the org's jobs, newest first.
func (s *Service) List(ctx context.Context, sc orgs.Scope, limit, offset int) ([]sqlc.ExportJob, error) {
	if err := sc.RequireAdmin(); err != nil {
		return nil, err
	}
	jobsList, err := s.q.ListExportJobs(ctx, sqlc.ListExportJobsParams{OrganizationID: sc.OrgID, Lim: int32(limit), Off: int32(offset)})
	if err != nil {
		return nil, fmt.Errorf("exports: list: %w", err)
	}
	return jobsList, nil
}

// Get returns one job of the org and, when its archive can be downloaded,
// a link valid for DownloadURLTTL.
func (s *Service) Get(ctx context.Context, sc orgs.Scope, id uuid.UUID) (sqlc.ExportJob, *string, error) {
	if err := sc.RequireAdmin(); err != nil {
		return sqlc.ExportJob{}, nil, err
	}
	job, err := s.q.GetExportJob(ctx, sqlc.GetExportJobParams{ID: id, OrganizationID: sc.OrgID})
	if db.IsNoRows(err) {
		return sqlc.ExportJob{}, nil, apperr.NotFoundDefault()
	}
	if err != nil {
		return sqlc.ExportJob{}, nil, fmt.Errorf("exports: get: %w", err)
	}
	if job.Status != StatusReady || job.ObjectKey == "" || job.ExpiresAt == nil || !job.ExpiresAt.After(time.Now()) {
		return job, nil, nil
	}
	ttl := min(DownloadURLTTL, time.Until(*job.ExpiresAt))
	u, err := s.Private.SignedURL(ctx, job.ObjectKey, ttl, downloadSignOptions(sc.Slug, job))
	if err != nil {
		return sqlc.ExportJob{}, nil, fmt.Errorf("exports: get: %w", err)
	}
	s.Log.Info("export download link issued", "job_id", job.ID, "org_id", sc.OrgID, "user_id", sc.UserID, "ttl_seconds", int(ttl.Seconds()))
	return job, &u, nil
}

// downloadSignOptions make the link serve the archive as an attachment that
// caches never keep.
func downloadSignOptions(orgSlug string, job sqlc.ExportJob) storage.SignOptions {
	name := fmt.Sprintf("%s-export-%s.zip", orgSlug, job.CreatedAt.UTC().Format("20060102-150405"))
	return storage.SignOptions{
		ContentType:        "application/zip",
		CacheControl:       "private, no-store",
		ContentDisposition: `attachment; filename="` + name + `"`,
	}
}

// Retry re-queues a failed or stale job.
func (s *Service) Retry(ctx context.Context, sc orgs.Scope, id uuid.UUID) (sqlc.ExportJob, error) {
	if err := sc.RequireAdmin(); err != nil {
		return sqlc.ExportJob{}, err
	}
	var job sqlc.ExportJob
	err := db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		q := s.q.WithTx(tx)
		row, err := q.LockExportJob(ctx, sqlc.LockExportJobParams{ID: id, OrganizationID: sc.OrgID, StaleSeconds: s.staleSeconds()})
		if db.IsNoRows(err) {
			return apperr.NotFoundDefault()
		}
		if err != nil {
			return err
		}
		switch {
		case row.ExportJob.Status == StatusFailed:
		case row.Stale:
			// Quiet is not dead: a runner still holding the job's lock is
			// working (slowly) and must not get a twin.
			free, err := q.TryExportRunLock(ctx, runLockKey(id))
			if err != nil {
				return err
			}
			if !free {
				return apperr.Conflict(msgRetryConflict)
			}
		default:
			return apperr.Conflict(msgRetryConflict)
		}
		// The admin who retries receives the ready email: the first
		// requester may have lost access since.
		job, err = q.RequeueExportJob(ctx, sqlc.RequeueExportJobParams{ID: id, RequestedByID: &sc.UserID})
		if db.IsUniqueViolation(err) {
			return apperr.Conflict(msgAlreadyActive)
		}
		if err != nil {
			return err
		}
		return s.enqueueRun(ctx, tx, id)
	})
	if err != nil {
		return sqlc.ExportJob{}, s.queueError("retry", err)
	}
	s.Log.Info("export retried", "job_id", id, "org_id", sc.OrgID, "user_id", sc.UserID)
	return job, nil
}
