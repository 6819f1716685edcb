package tags

import (
	"strings"
	"unicode/utf8"

	"apistarter/internal/apperr"
)

// Limits of the contract.
const (
	MaxNameLength     = 50
	MaxSlugLength     = 50
	MaxTagsPerRequest = 50
)

// NormalizeName trims a requested tag name and checks it, returning the
// clean name and its slug, or a 400 with the contract's message.
func NormalizeName(name string) (clean, slug string, err error) {
	clean = TrimPySpace(name)
	switch {
	case clean == "":
		return "", "", apperr.Invalid("Tag names cannot be empty.")
	case utf8.RuneCountInString(clean) > MaxNameLength:
		return "", "", apperr.Invalid("Tag names cannot exceed 50 characters.")
	case strings.ContainsRune(clean, 0):
		return "", "", apperr.Invalid("Tag names cannot contain NUL characters.")
	}
	slug = TruncateSlug(Slugify(clean), MaxSlugLength)
	if slug == "" {
		return "", "", apperr.Invalid("Tag names must contain at least one letter or number.")
	}
	return clean, slug, nil
}

// TruncateSlug cuts an ASCII slug to n bytes without leaving a hyphen or
// underscore at the end (NFKD can make a slug longer than its name: "ﬃ").
func TruncateSlug(slug string, n int) string {
	if len(slug) <= n {
		return slug
	}
	return strings.TrimRight(slug[:n], "-_")
}
