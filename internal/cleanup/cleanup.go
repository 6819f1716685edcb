// Package cleanup owns the scheduled housekeeping of the database and of
// storage: expired credentials and idempotency records, orphaned tags,
// relations and stored objects, and the storage-deletion tasks that other
// features write to the outbox when they delete rows that own files.
package cleanup

import (
	"errors"
	"log/slog"
	"strings"
	"time"

	"apistarter/internal/db/sqlc"
	"apistarter/internal/jobs"
	"apistarter/internal/storage"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Names of the periodic jobs in the schedule table.
const (
	JobExpiredTokens = "cleanup-expired-tokens"
	JobOrphans       = "cleanup-orphans"
)

// Task types of the storage deletions (queue maintenance).
const (
	TaskStorageDelete       = "storage:delete"        // payload DeleteKeysPayload
	TaskStorageDeletePrefix = "storage:delete-prefix" // payload DeletePrefixesPayload
)

// Defaults of Deps.
const (
	DefaultTagGrace     = 7 * 24 * time.Hour
	DefaultObjectMinAge = 24 * time.Hour
)

// Bounds of one run: batches of batchSize rows, at most maxBatches per kind;
// at most maxObjectDeletes stored objects. The rest waits for the next run.
const (
	batchSize        = 1000
	maxBatches       = 100
	maxObjectDeletes = 10_000
)

// Deps is what the service needs.
type Deps struct {
	Pool    *pgxpool.Pool
	Private storage.Storage
	Public  storage.Storage
	Log     *slog.Logger
	// TagGrace: an unassigned tag younger than this is kept.
	TagGrace time.Duration
	// ObjectMinAge: a stored object younger than this is never an orphan
	// (its row may not be committed yet).
	ObjectMinAge time.Duration
}

// Service runs the cleanup jobs and storage tasks.
type Service struct {
	Deps
	q *sqlc.Queries
}

// NewService builds the service.
func NewService(d Deps) (*Service, error) {
	if d.Pool == nil || d.Private == nil || d.Public == nil {
		return nil, errors.New("cleanup: pool and both storage namespaces are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.TagGrace <= 0 {
		d.TagGrace = DefaultTagGrace
	}
	if d.ObjectMinAge <= 0 {
		d.ObjectMinAge = DefaultObjectMinAge
	}
	return &Service{Deps: d, q: sqlc.New(d.Pool)}, nil
}

// Register adds the storage task handlers and the cleanup periodic jobs.
func (s *Service) Register(reg *jobs.Registry) {
	reg.Handle(TaskStorageDelete, s.handleDelete)
	reg.Handle(TaskStorageDeletePrefix, s.handleDeletePrefix)
	reg.AddPeriodic(jobs.Periodic{
		Name:        JobExpiredTokens,
		Schedule:    "0 3 * * *",
		Description: "Delete expired sessions, pending registrations, resets, email changes and idempotency records.",
		Run:         s.ExpiredTokens,
	})
	reg.AddPeriodic(jobs.Periodic{
		Name:        JobOrphans,
		Schedule:    "30 4 * * 0",
		Description: "Delete unused tags past their grace period, relations to deleted targets and stored files no row references.",
		Timeout:     2 * time.Hour,
		Run:         s.Orphans,
	})
}

// storeFor picks the namespace of a key: "public/..." keys are public.
func (s *Service) storeFor(key string) storage.Storage {
	if strings.HasPrefix(key, "public/") {
		return s.Public
	}
	return s.Private
}
