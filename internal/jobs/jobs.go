// Package jobs owns background work: the transactional outbox, its relay to
// asynq, the worker, the scheduler and the table of periodic jobs.
package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"apistarter/internal/db/sqlc"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Queues and their worker weights.
const (
	QueueDefault     = "default"
	QueueEmail       = "email"
	QueueExports     = "exports"
	QueueMaintenance = "maintenance"
)

// Task is a unit of background work written to the outbox.
type Task struct {
	Type     string
	Queue    string
	Payload  []byte
	MaxRetry int
}

// NewTask marshals payload as JSON.
func NewTask(typ, queue string, payload any, maxRetry int) (Task, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return Task{}, fmt.Errorf("jobs: marshal %s: %w", typ, err)
	}
	return Task{Type: typ, Queue: queue, Payload: b, MaxRetry: maxRetry}, nil
}

// Outbox writes tasks in the caller's transaction; the relay moves them to
// the queue after commit. A rolled-back transaction leaves no task.
type Outbox struct{}

// NewOutbox returns the outbox writer.
func NewOutbox() *Outbox { return &Outbox{} }

// Enqueue writes t in tx and returns the task id (also the asynq task id).
func (o *Outbox) Enqueue(ctx context.Context, tx pgx.Tx, t Task) (uuid.UUID, error) {
	id := uuid.New()
	if t.Queue == "" {
		t.Queue = QueueDefault
	}
	err := sqlc.New(tx).InsertOutbox(ctx, sqlc.InsertOutboxParams{
		ID: id, TaskType: t.Type, Queue: t.Queue, Payload: t.Payload, MaxRetry: int32(t.MaxRetry),
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("jobs: enqueue %s: %w", t.Type, err)
	}
	return id, nil
}
