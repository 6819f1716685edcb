package contacts_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"apistarter/internal/testutil"
)

// benchServer is the real application over HTTP on a pool whose statements
// are counted.
type benchServer struct {
	url, base, token string
	queries          *testutil.QueryCounter
	client           *http.Client
}

// newBenchServer seeds n contacts (two tags each, among 20) into a user's
// org and serves the app on a counted pool.
func newBenchServer(b *testing.B, n int) *benchServer {
	b.Helper()
	s, qc := testutil.NewCountingServer(b)
	u := s.CreateUser(b, "bench")
	seedContacts(b, s, u.PersonalOrg, n)
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	return &benchServer{url: s.URL, base: "/api/v1/orgs/" + u.PersonalOrg + "/contacts/", token: u.Token,
		queries: qc, client: &http.Client{Transport: tr}}
}

func seedContacts(b *testing.B, s *testutil.Server, org string, n int) {
	b.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO tags (organization_id, name, slug)
		 SELECT o.id, 'Tag ' || g, 'tag-' || g FROM organizations o, generate_series(1, 20) g WHERE o.slug = $1`,
		`INSERT INTO contacts (organization_id, creator_id, display_name, slug, first_name, last_name, email, notes)
		 SELECT o.id, o.creator_id, 'Contact ' || lpad(g::text, 6, '0'), 'contact-' || g,
		        (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Ken','Niklaus','Frances','John'])[1 + g % 10],
		        (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Thompson','Wirth','Allen','Backus'])[1 + (g / 10) % 10],
		        'user' || g || '@example.com', 'met at event ' || (g % 97)
		 FROM organizations o, generate_series(1, $2::int) g WHERE o.slug = $1`,
		`INSERT INTO tagged_items (tag_id, target_type, object_id)
		 SELECT t.id, 'contacts.contact', c.id FROM contacts c JOIN organizations o ON o.id = c.organization_id
		 JOIN tags t ON t.organization_id = o.id AND t.slug IN ('tag-' || (1 + c.id % 20), 'tag-' || (1 + (c.id + 7) % 20))
		 WHERE o.slug = $1`,
		`ANALYZE`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, org)
		}
		if strings.Contains(q, "$2") {
			args = append(args, n)
		}
		if _, err := s.App.DB.Exec(ctx, q, args...); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
}

// run measures one request shape with 16 concurrent keep-alive clients (on
// two cores) and reports req/s and SQL statements per request.
func (bs *benchServer) run(b *testing.B, method string, path func() string, body func() string, want int) {
	b.Helper()
	do := func() (int, error) {
		var r io.Reader
		if body != nil {
			r = strings.NewReader(body())
		}
		req, err := http.NewRequest(method, bs.url+path(), r)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+bs.token)
		if r != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := bs.client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for range 20 { // warm the statement caches and connections
		if code, err := do(); err != nil || code != want {
			b.Fatalf("warm-up: %d %v", code, err)
		}
	}
	before := bs.queries.Count()
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if code, err := do(); err != nil || code != want {
				b.Errorf("%s: %d %v", method, code, err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(bs.queries.Count()-before)/float64(b.N), "queries/req")
}

func constant(s string) func() string { return func() string { return s } }

// BenchmarkContactsList: the SPEC §6 page, 20 contacts with their tags out
// of 10,000 (target ≥ 2,800 req/s on the 2-core machine).
func BenchmarkContactsList(b *testing.B) {
	bs := newBenchServer(b, 10000)
	b.Run("first-page", func(b *testing.B) { bs.run(b, "GET", constant(bs.base+"?limit=20"), nil, 200) })
	b.Run("deep-page-desc", func(b *testing.B) {
		bs.run(b, "GET", constant(bs.base+"?limit=20&offset=5000&sort_by=last_name&sort_order=desc"), nil, 200)
	})
}

// BenchmarkContactsSearch: two terms over 10,000 contacts (100 match).
func BenchmarkContactsSearch(b *testing.B) {
	bs := newBenchServer(b, 10000)
	bs.run(b, "GET", constant(bs.base+"?limit=20&search=ada+lovelace"), nil, 200)
}

// BenchmarkContactCreate: distinct names, so each create takes the common
// path (first slug candidate free).
func BenchmarkContactCreate(b *testing.B) {
	bs := newBenchServer(b, 10000)
	var seq atomic.Int64
	bs.run(b, "POST", constant(bs.base), func() string {
		return `{"first_name":"Bench","last_name":"Person ` + strconv.FormatInt(seq.Add(1), 10) + `","email":"bench@example.com"}`
	}, 201)
}
