package contacts

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"apistarter/internal/tags"
)

// Slug rules of the contract.
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
// (the original overflowed the column on long names).
func slugBase(displayName string) string {
	base := tags.TruncateSlug(tags.Slugify(displayName), maxSlugLength)
	if base == "" {
		return "contact"
	}
	return base
}

// slugCandidates returns batch number n of base, base-1, base-2 …, each
// suffixed candidate cut so that it fits the column.
func slugCandidates(base string, n int) []string {
	out := make([]string, 0, slugBatch)
	for i := n * slugBatch; i < (n+1)*slugBatch; i++ {
		if i == 0 {
			out = append(out, base)
			continue
		}
		suffix := "-" + strconv.Itoa(i)
		out = append(out, truncate(base, maxSlugLength-len(suffix))+suffix)
	}
	return out
}

// randomSlug is the retry form after a race: <base[:41]>-<8 hex>.
func randomSlug(base string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return truncate(base, 41) + "-" + hex.EncodeToString(b[:])
}

// truncate cuts an ASCII slug to n bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
