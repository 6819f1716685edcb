package contacts_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// referenceSearch is contact search written out the straightforward way:
// every whitespace-separated term ILIKE one of the five fields (with %, _
// and \ escaped), ranked by the first field the whole string is in, then
// the sort, then id.
func referenceSearch(t *testing.T, e *env, orgID int64, search, sortCol, dir string) []int64 {
	t.Helper()
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	fields := []string{"display_name", "first_name", "last_name", "email", "notes"}
	args := []any{orgID, "%" + esc.Replace(search) + "%"}
	var rank, where strings.Builder
	rank.WriteString("CASE")
	for i, f := range fields {
		rank.WriteString(" WHEN " + f + " ILIKE $2 THEN " + strconv.Itoa(5-i))
	}
	rank.WriteString(" ELSE 0 END")
	for _, term := range strings.Fields(search) {
		args = append(args, "%"+esc.Replace(term)+"%")
		p := "$" + strconv.Itoa(len(args))
		where.WriteString(" AND (")
		for i, f := range fields {
			if i > 0 {
				where.WriteString(" OR ")
			}
			where.WriteString(f + " ILIKE " + p)
		}
		where.WriteString(")")
	}
	rows, err := e.s.App.DB.Query(context.Background(), `SELECT id FROM contacts WHERE organization_id = $1`+where.String()+
		` ORDER BY `+rank.String()+` DESC, `+sortCol+` `+dir+`, id`, args...)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// Search through the API returns the same rows, in the same order, with
// the same count as the reference query, on inputs where a case-folded
// document or an index could go wrong: non-ASCII case, LIKE metacharacters,
// terms shorter than a trigram, several terms, text across field borders.
func TestSearchMatchesReferenceOnTrickyInputs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, b := range []string{
		`{"display_name":"ÄRGER Öl","first_name":"Jürgen","last_name":"STRAẞE","email":"j@example.com"}`,
		`{"display_name":"Straße","notes":"SS"}`,
		`{"display_name":"ΣΊΣΥΦΟΣ","first_name":"Σοφία","notes":"ΟΔΟΣ"}`,
		`{"display_name":"İstanbul","last_name":"Kelvin K","notes":"ıi"}`,
		`{"display_name":"Øyvind Ødegård","email":"oyvind@example.no"}`,
		`{"display_name":"Петров","first_name":"ЁЛКА"}`,
		`{"display_name":"100% Pure","notes":"under_score back\\slash"}`,
		`{"display_name":"1000 Pure","notes":"underXscore backXslash"}`,
		`{"display_name":"Ann","first_name":"Lee","last_name":"Ada","notes":"line one\nline two"}`,
		`{"display_name":"Annlee","first_name":"Zz Top"}`,
		`{"display_name":"Ada Lovelace","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"}`,
		`{"display_name":"Grace Hopper","first_name":"Grace","last_name":"Hopper","notes":"met Ada in Berlin"}`,
		`{"display_name":"Q","first_name":"x_y","last_name":"%"}`,
		`{"display_name":"a b c","email":"abc@example.com"}`,
		`{"display_name":"日本語 テキスト","notes":"漢字"}`,
		`{"display_name":"Multi\nLine","first_name":"line","notes":"ab\ncd"}`,
		`{"display_name":"Top","first_name":"x\nab","last_name":"ab cd","email":"ab@example.com"}`,
		`{"display_name":"Tab\tBed","last_name":"tab\nbed","notes":"x ab"}`,
	} {
		e.create(t, b)
	}
	orgID := testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, e.org)
	searches := []string{
		// non-ASCII case folding, either side
		"ärger", "ÖL", "jÜRGEN", "straẞe", "STRASSE", "ß", "ẞ", "σίσυφος", "ΟΣ", "ος", "ς", "İSTANBUL", "istanbul", "ı", "I",
		"K", "k", "kelvin", "ø", "ØDEGÅRD", "петров", "ёлка", "Ё", "日本", "語", "テキスト", "漢字",
		// LIKE metacharacters and the escape taken literally
		"%", "_", `\`, "100%", "under_score", "x_y", `back\slash`, `%_`, "0%", "r_s",
		// one and two characters, alone and with longer terms
		"a", "A", "zz", "Zz", "q", "e", "an", "da", "ada b", "a b", "b c", "a b c", "c ada",
		// several terms, order of terms, the whole string ranking
		"ada lovelace", "LOVELACE ada", "grace hopper", "hopper berlin", "ada berlin", "met ada",
		// never across two fields (annlee is only in one field)
		"annlee", "annLee", "lee", "nl", "annlee zz", "one line", "e\u00a0t",
		// newlines and tabs inside fields, whitespace in the whole string
		"line", "multi", "ab", "x", "ab cd", "x ab", "x\tab", "\tbed", "tab\tbed", " ab ", "ab\ncd", "bed",
		// nothing
		"nobody", "ada nobody", "zzz",
	}
	for _, sort := range []struct{ col, dir, query string }{
		{"display_name", "ASC", ""}, {"email", "DESC", "&sort_by=email&sort_order=desc"}, {"created_at", "ASC", "&sort_by=created_at"},
	} {
		for _, s := range searches {
			want := referenceSearch(t, e, orgID, s, sort.col, sort.dir)
			p := e.list(t, "limit=100&search="+url.QueryEscape(s)+sort.query)
			got := make([]int64, len(p.Items))
			for i, c := range p.Items {
				got[i] = c.ID
			}
			if !slices.Equal(got, want) || p.Count != int64(len(want)) {
				t.Errorf("search %q %s %s: ids %v count %d, want %v", s, sort.col, sort.dir, got, p.Count, want)
			}
			// A page inside the matches and one past the end keep the count.
			for _, off := range []int{1, len(want) + 2} {
				p := e.list(t, "limit=2&offset="+strconv.Itoa(off)+"&search="+url.QueryEscape(s)+sort.query)
				lo, hi := min(off, len(want)), min(off+2, len(want))
				got := make([]int64, len(p.Items))
				for i, c := range p.Items {
					got[i] = c.ID
				}
				if !slices.Equal(got, want[lo:hi]) || p.Count != int64(len(want)) {
					t.Errorf("search %q offset %d: ids %v count %d, want %v of %d", s, off, got, p.Count, want[lo:hi], len(want))
				}
			}
		}
	}
}
