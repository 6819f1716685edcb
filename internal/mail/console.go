package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// Console is the development mailer: it logs that a message was sent, with
// recipients and subject only. Bodies carry tokens and never reach the log;
// when Dir is set, the whole message is written to a file there (mode 0600)
// so a developer can open the verification and reset links.
type Console struct {
	log *slog.Logger
	dir string
	seq atomic.Int64
}

// NewConsole returns a Console logging to logger (slog.Default when nil).
func NewConsole(logger *slog.Logger) *Console {
	if logger == nil {
		logger = slog.Default()
	}
	return &Console{log: logger}
}

// WithDir makes the console mailer also write each message to a file in dir.
func (c *Console) WithDir(dir string) *Console {
	c.dir = dir
	return c
}

// Send validates m and logs it; it keeps nothing in memory.
func (c *Console) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: console send: %w", err)
	}
	attrs := []any{"backend", "console", "to", m.To, "subject", m.Subject}
	if c.dir != "" {
		path, err := c.writeFile(m)
		if err != nil {
			return err
		}
		attrs = append(attrs, "file", path)
	}
	c.log.InfoContext(ctx, "mail sent", attrs...)
	return nil
}

func (c *Console) writeFile(m Message) (string, error) {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return "", fmt.Errorf("mail: console dir: %w", err)
	}
	name := fmt.Sprintf("%s-%04d.txt", time.Now().UTC().Format("20060102T150405"), c.seq.Add(1))
	path := filepath.Join(c.dir, name)
	var b strings.Builder
	fmt.Fprintf(&b, "To: %s\nSubject: %s\n\n%s\n", strings.Join(m.To, ", "), m.Subject, m.Text)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("mail: console write: %w", err)
	}
	return path, nil
}
