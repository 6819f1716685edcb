package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"apistarter/internal/mail"

	"github.com/hibiken/asynq"
)

// SendEmail is the handler of TaskEmail. Transient failures (server
// unreachable, 4xx replies) are retried with the worker's backoff; anything
// else (5xx replies, invalid messages) fails at once. Errors never carry the
// body. Without a Message-ID of its own the message gets one derived from
// the task id, so a duplicate delivery after a crash is recognisable.
func SendEmail(m mail.Mailer, messageIDDomain string) HandlerFunc {
	return func(ctx context.Context, payload []byte) error {
		var msg mail.Message
		if err := json.Unmarshal(payload, &msg); err != nil {
			return Permanent(fmt.Errorf("email: payload is not a mail.Message: %w", err))
		}
		if id, ok := asynq.GetTaskID(ctx); ok && msg.MessageID == "" && messageIDDomain != "" {
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
