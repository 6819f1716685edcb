package tags

import "strings"

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ContainsPattern is an ILIKE pattern matching s anywhere, with LIKE's
// metacharacters escaped (backslash is PostgreSQL's default escape).
func ContainsPattern(s string) string {
	return "%" + likeEscaper.Replace(s) + "%"
}
