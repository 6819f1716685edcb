package accounts

import (
	"context"
	"fmt"

	"apistarter/internal/mail"

	"github.com/jackc/pgx/v5"
)

// sendMail renders template name and writes the email task to the outbox in
// tx: the mail leaves if and only if the change that causes it commits.
func (s *Service) sendMail(ctx context.Context, tx pgx.Tx, name string, data any, to string) error {
	msg, err := s.templates.Compose(name, data, to)
	if err != nil {
		return fmt.Errorf("accounts: mail %s: %w", name, err)
	}
	if _, err := s.outbox.EnqueueEmail(ctx, tx, msg); err != nil {
		return fmt.Errorf("accounts: mail %s: %w", name, err)
	}
	return nil
}

// link builds a frontend link carrying token in the URL fragment.
func (s *Service) link(path, token string) string {
	return mail.TokenLink(s.settings.FrontendURL, path, token)
}
