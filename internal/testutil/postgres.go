// Package testutil gives every test its own PostgreSQL database (cloned from
// a migrated template), its own Redis database, a real HTTP server over the
// real handlers, one-line fixtures and pocketbase-style scenario tables.
package testutil

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"testing"

	"apistarter/internal/db"
	"apistarter/internal/db/migrations"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"
)

type gooseMigrator struct{}

// Hash identifies the template: a new migration makes a new template.
func (gooseMigrator) Hash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func (gooseMigrator) Migrate(ctx context.Context, sqlDB *sql.DB, _ pgtestdb.Config) error {
	return db.MigrateSQL(ctx, sqlDB)
}

// PostgresURL returns the URL of a fresh, migrated database for this test;
// it is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	conf := pgtestdb.Config{
		DriverName:                "pgx",
		Host:                      "127.0.0.1",
		Port:                      "5432",
		User:                      "postgres",
		Database:                  "postgres",
		Options:                   "sslmode=disable",
		ForceTerminateConnections: true,
	}
	return pgtestdb.Custom(t, conf, gooseMigrator{}).URL()
}

// Pool opens a pool on a fresh database, closed when the test ends.
func Pool(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	url := PostgresURL(t)
	pool, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("testutil: open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool, url
}
