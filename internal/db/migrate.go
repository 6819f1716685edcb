package db

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"apistarter/internal/db/migrations"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

// Migrator applies the embedded migrations.
type Migrator struct {
	provider *goose.Provider
	sqlDB    *sql.DB
}

// NewMigrator builds a goose provider over a database/sql handle on the pool.
func NewMigrator(pool *pgxpool.Pool) (*Migrator, error) {
	sqlDB := stdlib.OpenDBFromPool(pool)
	return newMigrator(sqlDB)
}

func newMigrator(sqlDB *sql.DB) (*Migrator, error) {
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	return &Migrator{provider: p, sqlDB: sqlDB}, nil
}

// MigrateSQL applies all migrations on a database/sql handle (tests' template DB).
func MigrateSQL(ctx context.Context, sqlDB *sql.DB) error {
	m, err := newMigrator(sqlDB)
	if err != nil {
		return err
	}
	_, err = m.provider.Up(ctx)
	return err
}

// Up applies every pending migration.
func (m *Migrator) Up(ctx context.Context, out io.Writer) error {
	res, err := m.provider.Up(ctx)
	for _, r := range res {
		fmt.Fprintf(out, "applied %s (%s)\n", r.Source.Path, r.Duration.Round(1e6))
	}
	if err != nil {
		return fmt.Errorf("db: migrate up: %w", err)
	}
	if len(res) == 0 {
		fmt.Fprintln(out, "no pending migrations")
	}
	return nil
}

// Down rolls back the newest migration.
func (m *Migrator) Down(ctx context.Context, out io.Writer) error {
	r, err := m.provider.Down(ctx)
	if err != nil {
		return fmt.Errorf("db: migrate down: %w", err)
	}
	fmt.Fprintf(out, "rolled back %s\n", r.Source.Path)
	return nil
}

// Status prints every migration and whether it is applied.
func (m *Migrator) Status(ctx context.Context, out io.Writer) error {
	st, err := m.provider.Status(ctx)
	if err != nil {
		return fmt.Errorf("db: migrate status: %w", err)
	}
	for _, s := range st {
		applied := "pending"
		if s.State == goose.StateApplied {
			applied = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(out, "%-45s %s\n", s.Source.Path, applied)
	}
	return nil
}

// Close releases the database/sql handle.
func (m *Migrator) Close() error { return m.sqlDB.Close() }
