package jobs

import (
	"context"
	"fmt"
	"time"

	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5/pgxpool"
)

// OutboxRetention is how long completed outbox rows are kept.
const OutboxRetention = 7 * 24 * time.Hour

// OutboxPrune is the built-in periodic job deleting completed outbox rows
// older than OutboxRetention, in batches. Failed rows stay for inspection.
func OutboxPrune(pool *pgxpool.Pool) Periodic {
	return Periodic{
		Name:        "outbox-prune",
		Schedule:    "@daily",
		Queue:       QueueMaintenance,
		Description: "delete completed outbox rows older than 7 days",
		Run: func(ctx context.Context) (Result, error) {
			cutoff := time.Now().Add(-OutboxRetention)
			var total int64
			for {
				n, err := sqlc.New(pool).PruneOutbox(ctx, sqlc.PruneOutboxParams{Cutoff: cutoff, BatchSize: 5000})
				if err != nil {
					return Result{"deleted": total}, fmt.Errorf("outbox prune: %w", err)
				}
				total += n
				if n < 5000 {
					return Result{"deleted": total}, nil
				}
			}
		},
	}
}
