package textnorm

import (
	"strings"
	"unicode/utf8"
)

// ValidText reports whether s can reach PostgreSQL as text: valid UTF-8
// without NUL. Path and query values that fail it cannot match any row.
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ContainsPattern is an ILIKE pattern matching s anywhere, with LIKE's
// metacharacters escaped (backslash is PostgreSQL's default escape).
func ContainsPattern(s string) string {
	return "%" + likeEscaper.Replace(s) + "%"
}
