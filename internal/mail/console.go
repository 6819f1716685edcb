package mail

import (
	"context"
	"fmt"
	"log/slog"
)

// Console is the development mailer: it logs that a message was sent, with
// recipients and subject only. Bodies carry tokens and never reach the log;
// to read links in development, point SMTP at a local sink instead.
type Console struct {
	log *slog.Logger
}

// NewConsole returns a Console logging to logger (slog.Default when nil).
func NewConsole(logger *slog.Logger) *Console {
	if logger == nil {
		logger = slog.Default()
	}
	return &Console{log: logger}
}

// Send validates m and logs it; it keeps nothing.
func (c *Console) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: console send: %w", err)
	}
	c.log.InfoContext(ctx, "mail sent", "backend", "console", "to", m.To, "subject", m.Subject)
	return nil
}
