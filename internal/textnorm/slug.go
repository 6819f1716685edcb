// Package textnorm is the one Django-compatible slugify used for org, user,
// contact and tag slugs, with the Python whitespace rules it depends on, and
// the checks and patterns for user text sent to PostgreSQL.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Slugify is Django's slugify (allow_unicode=False): NFKD, drop non-ASCII,
// lowercase, drop everything but letters, digits, underscores, hyphens and
// whitespace, collapse runs of whitespace and hyphens into one hyphen, and
// trim hyphens and underscores from both ends.
func Slugify(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingDash := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_':
		case r == '-' || IsPySpace(r):
			if r < utf8.RuneSelf {
				pendingDash = true
			}
			continue
		default:
			continue
		}
		if pendingDash && b.Len() > 0 {
			b.WriteByte('-')
		}
		pendingDash = false
		b.WriteRune(r)
	}
	return strings.Trim(b.String(), "-_")
}

// IsPySpace reports whether Python's str.isspace holds for r: Unicode
// whitespace plus the ASCII separators \x1c–\x1f, which Go does not count.
func IsPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// TrimPySpace is Python's str.strip().
func TrimPySpace(s string) string { return strings.TrimFunc(s, IsPySpace) }

// TruncateSlug cuts an ASCII slug to n bytes without leaving a hyphen or
// underscore at the end (NFKD can make a slug longer than its name: "ﬃ").
func TruncateSlug(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimRight(s[:n], "-_")
}
