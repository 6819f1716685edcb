package tags

import (
	"apistarter/internal/textnorm"
	"strings"
	"unicode/utf8"

	"apistarter/internal/apperr"
)

// Limits of tag names and slugs, the widths of the tags columns.
const (
	MaxNameLength     = 50
	MaxSlugLength     = 50
	MaxTagsPerRequest = 50
)

// NormalizeName trims a requested tag name and checks it, returning the
// clean name and its slug, or a 400 saying what is wrong with it.
func NormalizeName(name string) (clean, slug string, err error) {
	clean = textnorm.TrimPySpace(name)
	switch {
	case clean == "":
		return "", "", apperr.Invalid("Tag names cannot be empty.")
	case utf8.RuneCountInString(clean) > MaxNameLength:
		return "", "", apperr.Invalid("Tag names cannot exceed 50 characters.")
	case strings.ContainsRune(clean, 0):
		return "", "", apperr.Invalid("Tag names cannot contain NUL characters.")
	}
	slug = textnorm.TruncateSlug(textnorm.Slugify(clean), MaxSlugLength)
	if slug == "" {
		return "", "", apperr.Invalid("Tag names must contain at least one letter or number.")
	}
	return clean, slug, nil
}
