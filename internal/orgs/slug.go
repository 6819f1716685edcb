package orgs

import (
	"apistarter/internal/textnorm"
	"context"
	"fmt"

	"apistarter/internal/db/sqlc"
)

// SlugMaxLen is the length of organizations.slug.
const SlugMaxLen = 50

// candidateBatch is how many of base, base-1, base-2 … one query checks.
const candidateBatch = 50

// uniqueSlug implements the reference's make_it_unique: base, then base-1,
// base-2 …, each truncated so the whole value fits SlugMaxLen.
func uniqueSlug(ctx context.Context, q *sqlc.Queries, base string) (string, error) {
	for start := 0; ; start += candidateBatch {
		cands := textnorm.Numbered(base, "-", start, start+candidateBatch, SlugMaxLen)
		taken, err := q.TakenOrgSlugs(ctx, cands)
		if err != nil {
			return "", fmt.Errorf("orgs: unique slug: %w", err)
		}
		used := make(map[string]bool, len(taken))
		for _, t := range taken {
			used[t] = true
		}
		for _, c := range cands {
			if !used[c] {
				return c, nil
			}
		}
	}
}

// randomSlug is the retry form after a unique race: <slug[:41]>-<8 hex>.
func randomSlug(slug string) string {
	return textnorm.RandomSuffixed(slug, "-")
}
