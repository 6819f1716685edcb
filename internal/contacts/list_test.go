package contacts_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"apistarter/internal/contacts"
	"apistarter/internal/httpapi"
	"apistarter/internal/testutil"
)

type page = httpapi.Page[contacts.ContactOut]

// list fetches one page as the owner and returns it (failing unless 200).
func (e *env) list(t testing.TB, query string) page {
	t.Helper()
	code, body := e.call(t, "GET", e.base+"?"+query, e.owner.Token, "")
	if code != 200 {
		t.Fatalf("list ?%s: %d %s", query, code, body)
	}
	return testutil.Decode[page](t, body)
}

func names(p page) []string {
	out := make([]string, len(p.Items))
	for i, c := range p.Items {
		out[i] = c.DisplayName
	}
	return out
}

func TestListSortsWithIDTiebreaker(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, b := range []string{
		`{"display_name":"Bravo","first_name":"Zed","last_name":"Adams","email":"b@example.com"}`,
		`{"display_name":"Alpha","first_name":"Yan","last_name":"Baker","email":"c@example.com"}`,
		`{"display_name":"Charlie","first_name":"Xia","last_name":"Adams","email":"a@example.com"}`,
		`{"display_name":"Alpha","first_name":"Wu","last_name":"Clark"}`,
	} {
		e.create(t, b)
	}
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"Alpha", "Alpha", "Bravo", "Charlie"}},
		{"sort_by=display_name&sort_order=desc", []string{"Charlie", "Bravo", "Alpha", "Alpha"}},
		{"sort_by=first_name", []string{"Alpha", "Charlie", "Alpha", "Bravo"}},
		{"sort_by=last_name", []string{"Bravo", "Charlie", "Alpha", "Alpha"}},
		{"sort_by=last_name&sort_order=desc", []string{"Alpha", "Alpha", "Bravo", "Charlie"}},
		{"sort_by=email", []string{"Alpha", "Charlie", "Bravo", "Alpha"}},
		{"sort_by=created_at", []string{"Bravo", "Alpha", "Charlie", "Alpha"}},
		{"sort_by=created_at&sort_order=desc", []string{"Alpha", "Charlie", "Alpha", "Bravo"}},
		{"sort_by=updated_at", []string{"Bravo", "Alpha", "Charlie", "Alpha"}},
	}
	for _, c := range cases {
		p := e.list(t, c.query)
		if !slices.Equal(names(p), c.want) || p.Count != 4 {
			t.Errorf("?%s: %v (count %d), want %v", c.query, names(p), p.Count, c.want)
		}
	}
	// Equal keys: the older row (lower id) first, in both directions.
	for _, q := range []string{"sort_by=display_name", "sort_by=display_name&sort_order=desc"} {
		var alphas []int64
		for _, c := range e.list(t, q).Items {
			if c.DisplayName == "Alpha" {
				alphas = append(alphas, c.ID)
			}
		}
		if len(alphas) != 2 || alphas[0] > alphas[1] {
			t.Errorf("?%s: ties in order %v, want ascending ids", q, alphas)
		}
	}
}

func TestListValidationAndPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, n := range []string{"A", "B", "C", "D", "E"} {
		e.create(t, `{"display_name":"`+n+`"}`)
	}
	bob := e.s.CreateUser(t, "bob")
	if code, _ := e.call(t, "POST", "/api/v1/orgs/"+bob.PersonalOrg+"/contacts/", bob.Token, `{"display_name":"Bob's"}`); code != 201 {
		t.Fatal("bob's contact")
	}
	tok := e.owner.Token
	e.s.Run(t, []testutil.Scenario{
		{Name: "page", Method: "GET", URL: e.base + "?limit=2&offset=1", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`"count":5`, `"display_name":"B"`, `"display_name":"C"`}, NotExpected: []string{`"display_name":"A"`, `"display_name":"D"`}},
		{Name: "past the end keeps the count", Method: "GET", URL: e.base + "?offset=10", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`{"items":[],"count":5}`}},
		{Name: "search past the end keeps the count", Method: "GET", URL: e.base + "?search=a&offset=10", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`{"items":[],"count":1}`}},
		{Name: "only own org", Method: "GET", URL: e.base, Token: tok, ExpectedStatus: 200, NotExpected: []string{"Bob's"}},
		{Name: "maximum limit", Method: "GET", URL: e.base + "?limit=500", Token: tok, ExpectedStatus: 200},
		{Name: "limit over maximum", Method: "GET", URL: e.base + "?limit=501", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`"location":["query","limit"]`}},
		{Name: "limit zero", Method: "GET", URL: e.base + "?limit=0", Token: tok, ExpectedStatus: 400},
		{Name: "negative offset", Method: "GET", URL: e.base + "?offset=-1", Token: tok, ExpectedStatus: 400},
		{Name: "bad limit", Method: "GET", URL: e.base + "?limit=x", Token: tok, ExpectedStatus: 400},
		{Name: "bad sort_by", Method: "GET", URL: e.base + "?sort_by=notes", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`"location":["query","sort_by"]`}},
		{Name: "bad sort_order", Method: "GET", URL: e.base + "?sort_order=up", Token: tok, ExpectedStatus: 400},
		{Name: "search too long", Method: "GET", URL: e.base + "?search=" + strings.Repeat("a", 201), Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`"location":["query","search"]`}},
		{Name: "search of 200 is fine", Method: "GET", URL: e.base + "?search=" + strings.Repeat("a", 200), Token: tok, ExpectedStatus: 200},
		{Name: "eleven terms", Method: "GET", URL: e.base + "?search=" + url.QueryEscape(strings.Repeat("a ", 11)), Token: tok,
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Search supports at most 10 terms."}`}},
		{Name: "ten terms", Method: "GET", URL: e.base + "?search=" + url.QueryEscape(strings.Repeat("a ", 10)), Token: tok, ExpectedStatus: 200},
		{Name: "NUL in search matches nothing", Method: "GET", URL: e.base + "?search=a%00", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`{"items":[],"count":0}`}},
		{Name: "invalid UTF-8 in search matches nothing", Method: "GET", URL: e.base + "?search=%ff", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`{"items":[],"count":0}`}},
		{Name: "blank search lists all", Method: "GET", URL: e.base + "?search=%20%20", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`"count":5`}},
		{Name: "no token", Method: "GET", URL: e.base, ExpectedStatus: 401},
		{Name: "outsider", Method: "GET", URL: "/api/v1/orgs/" + bob.PersonalOrg + "/contacts/", Token: tok, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Organization not found"}`}},
	})
}

func TestSearchEveryTermMustMatchAndRanks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, b := range []string{
		`{"display_name":"Notes Only","notes":"met ada smith at the fair"}`,
		`{"display_name":"Ada Smith"}`,
		`{"display_name":"Zed","first_name":"Ada Smith"}`,
		`{"display_name":"Yan","last_name":"ada smith"}`,
		`{"display_name":"Xia","email":"ada.smith@example.com","first_name":"Ada","last_name":"Smith"}`,
		`{"display_name":"Wu","first_name":"Ada","notes":"smith"}`,
		`{"display_name":"Only Ada"}`,
		`{"display_name":"100% Pure","notes":"under_score"}`,
		`{"display_name":"1000 Pure","notes":"underXscore"}`,
	} {
		e.create(t, b)
	}
	cases := []struct {
		search string
		want   []string
	}{
		// Ranked by where "ada smith" occurs as a whole: display 5, first 4,
		// last 3, email 2 ("ada.smith" does not contain it: 0), notes 1, none 0;
		// then display_name ascending.
		{"ada smith", []string{"Ada Smith", "Zed", "Yan", "Notes Only", "Wu", "Xia"}},
		// No field holds "smith ada": all rank 0.
		{"SMITH ada", []string{"Ada Smith", "Notes Only", "Wu", "Xia", "Yan", "Zed"}},
		{"ada", []string{"Ada Smith", "Only Ada", "Wu", "Xia", "Zed", "Yan", "Notes Only"}},
		{"example.com", []string{"Xia"}},
		{"100%", []string{"100% Pure"}},
		{"under_score", []string{"100% Pure"}},
		{"nobody", []string{}},
	}
	for _, c := range cases {
		p := e.list(t, "search="+url.QueryEscape(c.search))
		if !slices.Equal(names(p), c.want) || p.Count != int64(len(c.want)) {
			t.Errorf("search %q: %v (count %d), want %v", c.search, names(p), p.Count, c.want)
		}
	}
	p := e.list(t, "search=ada&sort_order=desc&limit=2&offset=1")
	if got := names(p); !slices.Equal(got, []string{"Ada Smith", "Zed"}) || p.Count != 7 {
		// rank 5: Only Ada, Ada Smith (desc); then rank 4: Zed, Xia, Wu.
		t.Errorf("desc page: %v (count %d)", got, p.Count)
	}
}

func TestListEmbedsTags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.create(t, `{"display_name":"A"}`)
	e.create(t, `{"display_name":"B"}`)
	if code, body := e.call(t, "POST", "/api/v1/orgs/"+e.org+"/tags/contacts/contact/"+testutil.Itoa(a.ID)+"/", e.owner.Token, `["vip","Alpha"]`); code != 200 {
		t.Fatalf("assign: %d %s", code, body)
	}
	p := e.list(t, "")
	if len(p.Items) != 2 || len(p.Items[0].Tags) != 2 || p.Items[0].Tags[0].Name != "Alpha" || p.Items[0].Tags[1].Slug != "vip" ||
		p.Items[0].Tags[0].Organization == 0 || len(p.Items[1].Tags) != 0 || p.Items[1].Tags == nil {
		t.Fatalf("tags not embedded as expected: %+v", p.Items)
	}
	code, body := e.call(t, "GET", e.base+a.Slug+"/", e.owner.Token, "")
	if code != 200 || !strings.Contains(body, `"tags":[{"id":`) || !strings.Contains(body, `"name":"Alpha","slug":"alpha","organization":`) {
		t.Fatalf("get: %d %s", code, body)
	}
}

// Paging through a list while rows with the same sort key are inserted
// never returns a row twice and never skips one that existed at the start.
func TestPagingWhileInsertingIsStable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 30 {
		e.create(t, `{"display_name":"Same"}`)
	}
	for _, order := range []string{"asc", "desc"} {
		before := e.list(t, "limit=500&sort_order="+order)
		seen := map[int64]bool{}
		for offset := 0; ; offset += 7 {
			p := e.list(t, "limit=7&sort_order="+order+"&offset="+testutil.Itoa(int64(offset)))
			if len(p.Items) == 0 {
				break
			}
			for _, c := range p.Items {
				if seen[c.ID] {
					t.Fatalf("%s: contact %d returned twice", order, c.ID)
				}
				seen[c.ID] = true
			}
			e.create(t, `{"display_name":"Same"}`)
		}
		for _, c := range before.Items {
			if !seen[c.ID] {
				t.Fatalf("%s: contact %d skipped", order, c.ID)
			}
		}
	}
}
