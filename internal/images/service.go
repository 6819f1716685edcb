package images

import (
	"context"
	"fmt"
	"time"

	"apistarter/internal/db/sqlc"
	"apistarter/internal/idempotency"
	"apistarter/internal/jobs"
	"apistarter/internal/logctx"
	"apistarter/internal/storage"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TaskStorageDelete removes storage objects after the transaction that stopped
// referencing them commits. Payload: StorageDeletePayload. Keys under
// "public/" are in the public namespace, all others in the private one. The
// avatar triggers of migration 00005 write the same task.
const TaskStorageDelete = "storage:delete"

// StorageDeletePayload is the payload of TaskStorageDelete.
type StorageDeletePayload struct {
	Keys []string `json:"keys"`
}

// BulkLimits bound one bulk upload request.
type BulkLimits struct {
	MaxFiles int   // files per request
	MaxTotal int64 // bytes of all files together
}

// DefaultBulkLimits are UPLOAD_IMAGE_MAX_FILES_PER_REQUEST and _MAX_TOTAL_BYTES.
func DefaultBulkLimits() BulkLimits { return BulkLimits{MaxFiles: 20, MaxTotal: 50 << 20} }

// Lifetimes of signed links and share links.
const (
	SignedURLTTL    = 15 * time.Minute
	DefaultShareTTL = 7 * 24 * time.Hour
)

// Service is the images feature: uploads, the media library, relations to
// targets, signed URLs and share links.
type Service struct {
	db        *pgxpool.Pool
	q         *sqlc.Queries
	store     storage.Storage     // private namespace
	publicURL func(string) string // for images whose visibility is public
	outbox    *jobs.Outbox
	idem      *idempotency.Store
	limits    Limits
	bulk      BulkLimits
	budget    *Budget // memory of image work, shared by the process
	now       func() time.Time
}

// Option adjusts a Service.
type Option func(*Service)

// WithStorage replaces the private namespace (tests inject failures with it).
func WithStorage(s storage.Storage) Option { return func(svc *Service) { svc.store = s } }

// WithLimits replaces the per-file limits.
func WithLimits(l Limits) Option { return func(svc *Service) { svc.limits = l } }

// WithBudget shares the process's image memory budget.
func WithBudget(b *Budget) Option { return func(svc *Service) { svc.budget = b } }

// WithBulkLimits replaces the bulk upload limits.
func WithBulkLimits(b BulkLimits) Option { return func(svc *Service) { svc.bulk = b } }

// NewService builds the service on the pool, the storage buckets and the outbox.
func NewService(pool *pgxpool.Pool, buckets *storage.Buckets, outbox *jobs.Outbox, opts ...Option) *Service {
	s := &Service{
		db: pool, q: sqlc.New(pool), store: buckets.Private, publicURL: buckets.PublicURL,
		outbox: outbox, idem: idempotency.NewStore(pool),
		limits: DefaultLimits(), bulk: DefaultBulkLimits(),
		budget: NewBudget(DefaultBudgetBytes, DefaultBudgetWait),
		now:    time.Now,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// EnqueueDelete schedules keys for deletion once tx commits.
func EnqueueDelete(ctx context.Context, outbox *jobs.Outbox, tx pgx.Tx, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	task, err := jobs.NewTask(TaskStorageDelete, jobs.QueueMaintenance, StorageDeletePayload{Keys: keys}, 10)
	if err != nil {
		return err
	}
	if _, err := outbox.Enqueue(ctx, tx, task); err != nil {
		return fmt.Errorf("images: schedule storage delete: %w", err)
	}
	return nil
}

// Discard deletes objects written by a failed upload. Objects that cannot be
// deleted now are handed to the outbox, so nothing stays behind for good.
// It runs even when ctx is cancelled (a client that went away).
func Discard(ctx context.Context, pool *pgxpool.Pool, store storage.Storage, outbox *jobs.Outbox, keys []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var left []string
	for _, k := range keys {
		if err := store.Delete(ctx, k); err != nil {
			left = append(left, k)
		}
	}
	if len(left) == 0 {
		return
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return EnqueueDelete(ctx, outbox, tx, left) })
	if err != nil {
		logctx.Logger(ctx).Error("images: objects of a failed upload left in storage", "keys", left, "error", err.Error())
	}
}
