package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"apistarter/internal/mail"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
)

// EmailMaxRetry is how often the worker retries a transient SMTP failure.
const EmailMaxRetry = 8

// EnqueueEmail writes the task that sends msg in tx: the email leaves if and
// only if the change that causes it commits. Every email goes through here,
// so its task type, queue and retry policy are set in one place.
func (o *Outbox) EnqueueEmail(ctx context.Context, tx pgx.Tx, msg mail.Message) (uuid.UUID, error) {
	t, err := NewTask(TaskEmail, QueueEmail, msg, EmailMaxRetry)
	if err != nil {
		return uuid.Nil, err
	}
	return o.Enqueue(ctx, tx, t)
}

// SendEmail is the handler of TaskEmail. Transient failures (server
// unreachable, 4xx replies) are retried with the worker's backoff; anything
// else (5xx replies, invalid messages) fails at once. Errors never carry the
// body. Without a Message-ID of its own the message gets one derived from
// the outbox row id (the same for every copy of the task, also one re-relayed
// under a new task id), so a duplicate delivery after a crash is
// recognisable.
func SendEmail(m mail.Mailer, messageIDDomain string) HandlerFunc {
	return func(ctx context.Context, payload []byte) error {
		var msg mail.Message
		if err := json.Unmarshal(payload, &msg); err != nil {
			return Permanent(fmt.Errorf("email: payload is not a mail.Message: %w", err))
		}
		if id, ok := asynq.GetTaskID(ctx); ok && msg.MessageID == "" && messageIDDomain != "" {
			if row, ok := OutboxRowID(id); ok {
				id = row.String()
			}
			msg.MessageID = id + "@" + messageIDDomain
		}
		err := m.Send(ctx, msg)
		switch {
		case err == nil:
			return nil
		case mail.IsTransient(err):
			return fmt.Errorf("email: %w", err)
		default:
			return Permanent(fmt.Errorf("email: %w", err))
		}
	}
}
