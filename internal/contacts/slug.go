package contacts

import (
	"apistarter/internal/textnorm"
)

// Slug rules: slugs are unique per org and at most 50 characters.
const (
	maxSlugLength = 50
	// slugBatch is how many of base, base-1, base-2 … one insert tries.
	slugBatch = 50
	// slugBatches bounds the sequential search before random suffixes.
	slugBatches = 10
	// slugRetries is how many random suffixes a unique race may consume.
	slugRetries = 5
)

// slugBase is slugify(display_name) or "contact", at most 50 characters
// (the column's width, which long names would overflow).
func slugBase(displayName string) string {
	base := textnorm.TruncateSlug(textnorm.Slugify(displayName), maxSlugLength)
	if base == "" {
		return "contact"
	}
	return base
}

// slugCandidates returns batch number n of base, base-1, base-2 …, each
// suffixed candidate cut so that it fits the column.
func slugCandidates(base string, n int) []string {
	return textnorm.Numbered(base, "-", n*slugBatch, (n+1)*slugBatch, maxSlugLength)
}

// randomSlug is the retry form after a race: <base[:41]>-<8 hex>.
func randomSlug(base string) string {
	return textnorm.RandomSuffixed(base, "-")
}
