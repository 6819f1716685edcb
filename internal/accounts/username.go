package accounts

import (
	"apistarter/internal/textnorm"
	"context"
	"strings"
	"unicode"

	"apistarter/internal/db/sqlc"
)

// usernameFromEmail keeps the local part's letters, digits, dots and
// underscores ("Jane Doe+foo@x" → "janedoefoo"); "user" when nothing is left.
func usernameFromEmail(email string) string {
	local, _, _ := strings.Cut(email, "@")
	var b strings.Builder
	for _, r := range local {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "user"
	}
	return textnorm.Cut(b.String(), maxUsernameLength)
}

// uniqueCandidates is how many numbered variants makeUnique tries in one
// query before falling back to a random suffix.
const uniqueCandidates = 20

// numbered returns base, base<sep>1, … base<sep>n-1, each cut to fit max.
func numbered(base, sep string, n, max int) []string {
	return textnorm.Numbered(base, sep, 0, n, max)
}

// makeUnique returns the first of base, base_1, base_2, … that is free (one
// indexed query), else base with a random 8-hex suffix. Usernames use "_"
// because the username policy forbids "-"; slugs use "-".
func makeUnique(ctx context.Context, base, sep string, taken func(context.Context, []string) ([]string, error), fold bool) (string, error) {
	candidates := numbered(base, sep, uniqueCandidates, maxUsernameLength)
	lookup := candidates
	if fold {
		lookup = make([]string, len(candidates))
		for i, c := range candidates {
			lookup[i] = strings.ToLower(c)
		}
	}
	used, err := taken(ctx, lookup)
	if err != nil {
		return "", err
	}
	set := make(map[string]bool, len(used))
	for _, u := range used {
		set[u] = true
	}
	for i, c := range candidates {
		if !set[lookup[i]] {
			return c, nil
		}
	}
	return randomSuffixed(base, sep), nil
}

// randomSuffixed is <base[:41]><sep><8 hex>, the retry form after a unique
// race.
func randomSuffixed(base, sep string) string {
	return textnorm.RandomSuffixed(base, sep)
}

func uniqueUsername(ctx context.Context, q *sqlc.Queries, base string) (string, error) {
	return makeUnique(ctx, base, "_", q.TakenUsernames, true)
}

func uniqueUserSlug(ctx context.Context, q *sqlc.Queries, base string) (string, error) {
	return makeUnique(ctx, base, "-", q.TakenUserSlugs, false)
}
