package contacts_test

import (
	"net/url"
	"slices"
	"strconv"
	"testing"

	"apistarter/internal/testutil"
)

// A repeated search is answered from the cache, yet every change to the
// org's contacts shows at once, whichever path made it: the API, or SQL
// that bypasses the service (an insert, an update of a searched field or of
// the sort key, a delete).
func TestCachedSearchSeesEveryChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.create(t, `{"display_name":"Ada Lovelace","first_name":"Ada","last_name":"Lovelace"}`)
	grace := e.create(t, `{"display_name":"Grace Hopper","notes":"met Ada"}`)
	orgID := testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, e.org)
	check := func(step string) {
		t.Helper()
		for _, s := range []string{"ada", "a", "ho", "zz"} {
			for _, w := range []struct{ limit, offset int }{{1, 0}, {5, 0}, {1, 1}, {2, 9}} {
				q := "limit=" + strconv.Itoa(w.limit) + "&offset=" + strconv.Itoa(w.offset) + "&search=" + url.QueryEscape(s)
				// Twice: the second is a cache hit when nothing changed.
				for range 2 {
					want := referenceSearch(t, e, orgID, s, "display_name", "ASC")
					p := e.list(t, q)
					got := make([]int64, len(p.Items))
					for i, c := range p.Items {
						got[i] = c.ID
					}
					lo, hi := min(w.offset, len(want)), min(w.offset+w.limit, len(want))
					if !slices.Equal(got, want[lo:hi]) || p.Count != int64(len(want)) {
						t.Errorf("%s: ?%s: ids %v count %d, want %v of %d", step, q, got, p.Count, want[lo:hi], len(want))
					}
				}
			}
		}
	}
	check("start")
	e.create(t, `{"display_name":"Adam Ho"}`)
	check("after an API create")
	testutil.Exec(t, e.s, `INSERT INTO contacts (organization_id, display_name, slug, notes) VALUES ($1, 'Zz Adaline', 'zz-1', 'hoho')`, orgID)
	check("after an SQL insert")
	testutil.Exec(t, e.s, `UPDATE contacts SET display_name = 'Aaa Grace', notes = '' WHERE id = $1`, grace.ID)
	check("after an SQL update")
	testutil.Exec(t, e.s, `UPDATE contacts SET display_name = display_name WHERE false`)
	check("after an update of no row")
	testutil.Exec(t, e.s, `DELETE FROM contacts WHERE slug = 'zz-1' AND organization_id = $1`, orgID)
	check("after an SQL delete")
	code, body := e.call(t, "DELETE", e.base+grace.Slug+"/", e.owner.Token, "")
	if code != 200 {
		t.Fatalf("delete: %d %s", code, body)
	}
	check("after an API delete")
}
