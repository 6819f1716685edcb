package load

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"

	"apistarter/bench/harness"
)

// scenario is one HTTP workload; next gives a worker its next request and
// the status that counts as success.
type scenario struct {
	name   string
	target *target
	next   harness.Next
}

func scenarios(e *env) []scenario {
	org := "/api/v1/orgs/" + e.fix.Org.Slug
	n := e.fix.Org.Contacts
	terms := harness.SearchTerms()
	token := func(w int) string { return e.tokens[w%len(e.tokens)] }
	users := e.fix.Users()
	searchIn := func(terms []string) harness.Next {
		return func(r *rand.Rand, w int) (harness.Request, int) {
			q := url.QueryEscape(terms[r.IntN(len(terms))])
			return harness.Request{Method: http.MethodGet, Path: org + "/contacts/?limit=20&search=" + q, Token: token(w)}, 200
		}
	}
	list := func(r *rand.Rand, w int) (harness.Request, int) {
		// Pages spread over the first 50: each a different index range.
		off := r.IntN(min(50, n/20)) * 20
		return harness.Request{Method: http.MethodGet, Path: fmt.Sprintf("%s/contacts/?limit=20&offset=%d", org, off), Token: token(w)}, 200
	}
	search := searchIn(terms)
	get := func(r *rand.Rand, w int) (harness.Request, int) {
		return harness.Request{Method: http.MethodGet, Path: org + "/contacts/" + harness.ContactSlug(r.IntN(n)) + "/", Token: token(w)}, 200
	}
	me := func(_ *rand.Rand, w int) (harness.Request, int) {
		return harness.Request{Method: http.MethodGet, Path: "/api/v1/users/me", Token: token(w)}, 200
	}
	create := func(r *rand.Rand, w int) (harness.Request, int) {
		first, last := "Load", fmt.Sprintf("Tester%d", r.IntN(1_000_000))
		body, _ := json.Marshal(map[string]string{"first_name": first, "last_name": last,
			"email": strings.ToLower(first+"."+last) + "@example.com", "notes": "created by the benchmark"})
		return harness.Request{Method: http.MethodPost, Path: org + "/contacts/", Token: token(w), Body: body}, 201
	}
	assign := func(r *rand.Rand, w int) (harness.Request, int) {
		id := e.fix.ContactIDs[r.IntN(len(e.fix.ContactIDs))]
		body, _ := json.Marshal([]string{harness.TagName(r.IntN(e.o.tags)), harness.TagName(r.IntN(e.o.tags))})
		return harness.Request{Method: http.MethodPost, Path: fmt.Sprintf("%s/tags/contacts/contact/%d/", org, id), Token: token(w), Body: body}, 200
	}
	urls := func(r *rand.Rand, w int) (harness.Request, int) {
		return harness.Request{Method: http.MethodGet, Path: fmt.Sprintf("%s/images/%d/urls", org, e.imageIDs[r.IntN(len(e.imageIDs))]), Token: token(w)}, 200
	}
	login := func(_ *rand.Rand, w int) (harness.Request, int) {
		body, _ := json.Marshal(map[string]string{"email": users[w%len(users)].Email, "password": harness.Password, "device_name": "bench"})
		return harness.Request{Method: http.MethodPost, Path: "/api/v1/token/pair", Body: body}, 200
	}
	// Mixed: mostly reads, a fifth writes, in one stream.
	mix := []struct {
		weight int
		next   harness.Next
	}{{40, list}, {15, get}, {10, me}, {10, search}, {5, urls}, {12, create}, {8, assign}}
	mixed := func(r *rand.Rand, w int) (harness.Request, int) {
		k := r.IntN(100)
		for _, m := range mix {
			if k < m.weight {
				return m.next(r, w)
			}
			k -= m.weight
		}
		return list(r, w)
	}
	// Search targets: on the standard org every kind of term; on a large
	// org a latency bound, tighter for selective terms.
	selective, broad := &target{minRPS: 2000, maxP99: 20}, &target{minRPS: 2000, maxP99: 20}
	if n >= largeOrg {
		selective, broad = &target{maxP99: 100}, &target{maxP99: 500}
	}
	return []scenario{
		{"login (POST /token/pair)", nil, login},
		{"GET /users/me", &target{minRPS: 10000}, me},
		{"contacts list (limit 20)", &target{minRPS: 3600, maxP99: 15}, list},
		{"contacts search, 1 char", broad, searchIn(harness.SearchTerms1())},
		{"contacts search, 2 chars", broad, searchIn(harness.SearchTerms2())},
		{"contacts search, 3+ chars", selective, search},
		{"contacts search, 2 terms", selective, searchIn(harness.SearchTermPairs())},
		{"contacts search, every row", broad, searchIn([]string{"example"})},
		{"contact get", nil, get},
		{"contact create", nil, create},
		{"tag assignment (2 tags)", nil, assign},
		{"image signed URLs", nil, urls},
		{"mixed read/write (80/20)", nil, mixed},
	}
}

// largeOrg is the org size from which search has latency targets only.
const largeOrg = 1_000_000

// runScenarios measures each scenario in turn with the same clients
// (those whose name contains -only, if given).
func runScenarios(ctx context.Context, e *env, rep *report) error {
	o := e.o
	for _, sc := range scenarios(e) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if o.only != "" && !strings.Contains(sc.name, o.only) {
			continue
		}
		r := harness.Measure(ctx, e.client, sc.name, o.concurrency, o.warmup, o.duration, sc.next)
		rep.addHTTP(r, sc.target)
		e.Logf("  %-28s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d", r.Name, r.RPS, r.P50ms, r.P99ms, r.Errors)
	}
	return nil
}
