package orgs

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

var (
	slugDrop  = regexp.MustCompile(`[^\w\s-]`)
	slugSpace = regexp.MustCompile(`[-\s]+`)
)

// Slugify is Django's slugify: ASCII-folded, lowercase, runs of spaces and
// hyphens as one hyphen, other punctuation dropped.
func Slugify(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		if r < unicode.MaxASCII {
			b.WriteRune(r)
		}
	}
	v := slugDrop.ReplaceAllString(strings.ToLower(b.String()), "")
	return strings.Trim(slugSpace.ReplaceAllString(v, "-"), "-_")
}
