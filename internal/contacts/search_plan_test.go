package contacts_test

import (
	"context"
	"strings"
	"testing"

	"apistarter/internal/contacts"
	"apistarter/internal/testutil"
)

// The search conditions are answered by the org's trigram index when a
// term has a trigram, and never by a whole-index scan when none has. (On a
// small table that was never analysed PostgreSQL rightly prefers scanning
// the org: the test analyses, as a table of this size would be.)
func TestSearchPlanUsesTrigramIndex(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID := testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, e.org)
	testutil.Exec(t, e.s, `INSERT INTO contacts (organization_id, display_name, slug, first_name, last_name, email, notes)
		SELECT $1, f || ' ' || l, 'p-' || i, f, l, lower(f) || '.' || i || '@example.com', 'order ' || i
		FROM generate_series(1, 5000) i,
		LATERAL (SELECT CASE i % 150 WHEN 0 THEN 'Grace' ELSE 'First' || i % 70 END f,
			CASE i % 200 WHEN 0 THEN 'Smith' WHEN 1 THEN 'Hopper' ELSE 'Other' || i % 300 END l) n`, orgID)
	testutil.Exec(t, e.s, `ANALYZE contacts`)
	for _, c := range []struct {
		terms []string
		index bool
	}{
		{[]string{"smith"}, true},
		{[]string{"hopper", "ad"}, true},
		{[]string{"GRACE", "hopper"}, true},
		{[]string{"zz"}, false},
		{[]string{"a", "%_"}, false},
	} {
		where, args := contacts.SearchWhere(c.terms, []any{orgID})
		rows, err := e.s.App.DB.Query(context.Background(), `EXPLAIN SELECT count(*) FROM contacts c WHERE c.organization_id = $1`+where, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(plan.String(), "contacts_search_doc_idx"); got != c.index {
			t.Errorf("terms %q: trigram index used %v, want %v:\n%s", c.terms, got, c.index, plan.String())
		}
	}
}
