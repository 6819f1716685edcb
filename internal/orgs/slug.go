package orgs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"

	"apistarter/internal/db/sqlc"
)

// SlugMaxLen is the length of organizations.slug.
const SlugMaxLen = 50

// candidateBatch is how many of base, base-1, base-2 … one query checks.
const candidateBatch = 50

// uniqueSlug implements the reference's make_it_unique: base, then base-1,
// base-2 …, each truncated so the whole value fits SlugMaxLen.
func uniqueSlug(ctx context.Context, q *sqlc.Queries, base string) (string, error) {
	base = truncateRunes(base, SlugMaxLen)
	for start := 0; ; start += candidateBatch {
		cands := make([]string, 0, candidateBatch)
		for i := start; i < start+candidateBatch; i++ {
			cands = append(cands, slugCandidate(base, i))
		}
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

func slugCandidate(base string, n int) string {
	if n == 0 {
		return base
	}
	suffix := "-" + strconv.Itoa(n)
	return truncateRunes(base, SlugMaxLen-len(suffix)) + suffix
}

// randomSlug is the retry form after a unique race: <slug[:41]>-<8 hex>.
func randomSlug(slug string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return truncateRunes(slug, 41) + "-" + hex.EncodeToString(b[:])
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
