package orgs

import (
	"log/slog"
	"time"

	"apistarter/internal/db/sqlc"
	"apistarter/internal/jobs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// Service is the one place every membership write goes through.
type Service struct {
	pool   *pgxpool.Pool
	q      *sqlc.Queries
	log    *slog.Logger
	outbox *jobs.Outbox
	cache  *PermissionCache
}

// NewService builds the membership service and, when rdb is not nil, the
// permission cache (entries live for cacheTTL) that wiring installs into the
// authenticator.
func NewService(pool *pgxpool.Pool, rdb *redis.Client, outbox *jobs.Outbox, log *slog.Logger, cacheTTL time.Duration) *Service {
	s := &Service{pool: pool, q: sqlc.New(pool), log: log, outbox: outbox}
	if rdb != nil {
		s.cache = NewPermissionCache(rdb, cacheTTL, DefaultLocalEntries)
	}
	return s
}

// PermissionCache returns the cache built by NewService (nil without Redis).
func (s *Service) PermissionCache() *PermissionCache { return s.cache }
