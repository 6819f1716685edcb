package app

import (
	"context"
	"errors"
	"io"
)

// CreateSuperuser creates a verified, active superuser who can log in at once.
func (a *App) CreateSuperuser(ctx context.Context, email, password string, out io.Writer) error {
	return errors.New("createsuperuser: not implemented yet")
}

// SeedDemo creates the demo user, group org, contacts and tags (idempotent).
func (a *App) SeedDemo(ctx context.Context, email, password string, out io.Writer) error {
	return errors.New("seed-demo: not implemented yet")
}
