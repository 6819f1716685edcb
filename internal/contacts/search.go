package contacts

import (
	"apistarter/internal/textnorm"
	"strconv"
	"strings"

	"apistarter/internal/apperr"
	"apistarter/internal/tags"
)

// searchFields are matched by every term; rankFields score the whole
// search string, first match wins (display_name 5 … notes 1, else 0).
var searchFields = []string{"c.display_name", "c.first_name", "c.last_name", "c.email", "c.notes"}

// searchDocument is the indexed expression of contacts_search_trgm_idx.
// Terms hold no whitespace, so a match cannot span the ' ' separators.
const searchDocument = "(c.display_name || ' ' || c.first_name || ' ' || c.last_name || ' ' || c.email || ' ' || c.notes)"

// parseSearch splits search on whitespace like Python's str.split().
// A blank search is no search (nil terms).
func parseSearch(search string) ([]string, error) {
	terms := strings.FieldsFunc(search, textnorm.IsPySpace)
	if len(terms) > MaxSearchTerms {
		return nil, apperr.Invalid("Search supports at most " + strconv.Itoa(MaxSearchTerms) + " terms.")
	}
	return terms, nil
}

// searchWhere is the WHERE conjunction: every term in one of the fields.
// Its patterns are appended to args.
func searchWhere(terms []string, args []any) (string, []any) {
	var w strings.Builder
	for _, t := range terms {
		args = append(args, tags.ContainsPattern(t))
		p := "$" + strconv.Itoa(len(args))
		// The concatenation is a superset test that can use the trigram
		// index (migration 00008); the per-field test below stays exact.
		w.WriteString(" AND " + searchDocument + " ILIKE " + p)
		w.WriteString(" AND (")
		for i, f := range searchFields {
			if i > 0 {
				w.WriteString(" OR ")
			}
			w.WriteString(f + " ILIKE " + p)
		}
		w.WriteString(")")
	}
	return w.String(), args
}

// searchRank scores the whole search string against the fields in order.
func searchRank(whole string, args []any) (string, []any) {
	args = append(args, tags.ContainsPattern(whole))
	p := "$" + strconv.Itoa(len(args))
	var r strings.Builder
	r.WriteString("CASE")
	for i, f := range searchFields {
		r.WriteString(" WHEN " + f + " ILIKE " + p + " THEN " + strconv.Itoa(len(searchFields)-i))
	}
	r.WriteString(" ELSE 0 END")
	return r.String(), args
}

// isBlank reports a search that filters nothing (only whitespace).
func isBlank(search string) bool { return strings.TrimFunc(search, textnorm.IsPySpace) == "" }
