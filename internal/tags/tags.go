// Package tags owns tags and their assignment to polymorphic targets
// (contacts and the organization itself): names unique per org
// case-insensitively, slugs unique per org, all-or-nothing assignment. It
// also owns the target allowlist that images share (ResolveTarget).
package tags

import (
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TagOut is a tag as the API returns it; organization is the org id.
type TagOut struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Slug         string `json:"slug"`
	Organization int64  `json:"organization"`
}

// Service runs the tag operations of one org at a time; every method takes
// the scope's org id.
type Service struct {
	pool *pgxpool.Pool
	q    *sqlc.Queries
}

// NewService builds the tag service.
func NewService(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool, q: sqlc.New(pool)}
}
