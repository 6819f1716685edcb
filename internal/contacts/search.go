package contacts

import (
	"strconv"
	"strings"
	"unicode"

	"apistarter/internal/apperr"
	"apistarter/internal/textnorm"
)

// searchFields rank the whole search string, first match wins
// (display_name 5 … notes 1, else 0).
var searchFields = []string{"c.display_name", "c.first_name", "c.last_name", "c.email", "c.notes"}

// parseSearch splits search on whitespace like Python's str.split().
// A blank search is no search (nil terms).
func parseSearch(search string) ([]string, error) {
	terms := strings.FieldsFunc(search, textnorm.IsPySpace)
	if len(terms) > MaxSearchTerms {
		return nil, apperr.Invalid("Search supports at most " + strconv.Itoa(MaxSearchTerms) + " terms.")
	}
	return terms, nil
}

// searchWhere is the WHERE conjunction: every term is a case-insensitive
// substring of one of the searched fields, i.e. of c.search_doc (migration
// 00012: the lower-cased fields, one per line; a term holds no newline).
// Its arguments are appended to args.
//
// A term with a trigram is a LIKE the GIN index (organization_id,
// search_doc) answers. A shorter one is a strpos() filter the index cannot
// take: pg_trgm would turn its LIKE into a scan of the whole index. Both
// forms are exact; the form only decides which conditions are indexable.
func searchWhere(terms []string, args []any) (string, []any) {
	var w strings.Builder
	for _, t := range terms {
		if hasTrigram(t) {
			args = append(args, textnorm.ContainsPattern(t))
			w.WriteString(" AND c.search_doc LIKE lower($" + strconv.Itoa(len(args)) + ")")
		} else {
			args = append(args, t)
			w.WriteString(" AND strpos(c.search_doc, lower($" + strconv.Itoa(len(args)) + ")) > 0")
		}
	}
	return w.String(), args
}

// hasTrigram reports a term holding three letters or digits in a row:
// pg_trgm extracts at least one trigram from its LIKE pattern.
func hasTrigram(term string) bool {
	run := 0
	for _, r := range term {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if run++; run == 3 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// searchRank scores the whole search string against the fields in order.
// It is computed for every match, so it reads c.search_doc when it can:
// a string without spaces or newlines first occurs in the first field that
// contains it, and the newlines before that occurrence number the field.
func searchRank(whole string, args []any) (string, []any) {
	if !strings.ContainsAny(whole, " \n") {
		args = append(args, whole)
		at := "strpos(c.search_doc, lower($" + strconv.Itoa(len(args)) + "))"
		return "CASE " + at + " WHEN 0 THEN 0 ELSE " + strconv.Itoa(len(searchFields)) + " - (" + at +
			" - length(replace(left(c.search_doc, " + at + "), E'\\n', ''))) END", args
	}
	args = append(args, textnorm.ContainsPattern(whole))
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
