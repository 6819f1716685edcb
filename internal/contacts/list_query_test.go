package contacts_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"apistarter/internal/app"
	"apistarter/internal/testutil"

	"github.com/jackc/pgx/v5"
)

// statementLog is a pgx tracer keeping the text of every statement sent.
type statementLog struct {
	mu   sync.Mutex
	sqls []string
}

func (l *statementLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	l.sqls = append(l.sqls, d.SQL)
	l.mu.Unlock()
	return ctx
}

func (l *statementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// since returns the statements sent after the first n.
func (l *statementLog) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.sqls[n:]...)
}

func (l *statementLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.sqls)
}

// A page costs the authentication statement and one more, and the pages of
// a sort share a few statement texts: every text is a prepared statement
// of its own, planned afresh for its first runs on each connection.
func TestListPageIsOneStatementOfFewTexts(t *testing.T) {
	t.Parallel()
	log := &statementLog{}
	s := testutil.NewServerApp(t, []app.Option{app.WithQueryTracer(log)})
	u := s.CreateUser(t, "alice")
	base := "/api/v1/orgs/" + u.PersonalOrg + "/contacts/"
	if _, err := s.App.DB.Exec(context.Background(), `INSERT INTO contacts (organization_id, display_name, slug)
		SELECT o.id, 'C ' || g, 'c-' || g FROM organizations o, generate_series(1, 1000) g WHERE o.slug = $1`, u.PersonalOrg); err != nil {
		t.Fatal(err)
	}
	get := func(query string) []string {
		t.Helper()
		n := log.len()
		if code, body := s.Send(t, "GET", base+"?"+query, u.Token, "", nil); code != 200 {
			t.Fatalf("?%s: %d %s", query, code, body)
		}
		return log.since(n)
	}
	texts := map[string]bool{}
	for offset := 0; offset <= 980; offset += 20 {
		sqls := get("limit=20&offset=" + testutil.Itoa(int64(offset)))
		if len(sqls) != 2 {
			t.Fatalf("offset %d: %d statements, want 2 (authentication, page): %q", offset, len(sqls), sqls)
		}
		texts[sqls[1]] = true
	}
	// Bounds 32, 64 … 1024 for offset+limit up to 1,000.
	if len(texts) != 6 {
		t.Errorf("50 offsets took %d statement texts, want 6", len(texts))
	}
	if sqls := get("limit=20&offset=5000"); len(sqls) != 3 {
		t.Errorf("past the end: %d statements, want 3 (authentication, page, count)", len(sqls))
	}
}

// Every item of a page is byte for byte the contact's own GET body: names
// with characters JSON escapes, avatars, a creator that is gone, tags.
func TestListItemsAreTheContactBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	names := []string{`Quote " back\slash`, "tab\tnew\nline", "<b>&amp;</b>", "line\u2028sep\u2029", "émoji 🎉", "ctl\u0001\u001f"}
	for _, n := range names {
		b, _ := json.Marshal(map[string]string{"display_name": n, "notes": n, "email": "x@example.com"})
		c := e.create(t, string(b))
		if code, body := e.call(t, "POST", "/api/v1/orgs/"+e.org+"/tags/contacts/contact/"+testutil.Itoa(c.ID)+"/", e.owner.Token,
			`["zeta","Alpha","b<&>"]`); code != 200 {
			t.Fatalf("assign: %d %s", code, body)
		}
	}
	if _, err := e.s.App.DB.Exec(ctx, `UPDATE contacts SET avatar_path = 'avatars/' || slug || '.jpg'
		WHERE organization_id = (SELECT id FROM organizations WHERE slug = $1) AND id % 2 = 0`, e.org); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.App.DB.Exec(ctx, `INSERT INTO contacts (organization_id, display_name, slug)
		SELECT id, 'No creator', 'no-creator' FROM organizations WHERE slug = $1`, e.org); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"limit=500", "limit=3&offset=2&sort_by=created_at&sort_order=desc", "limit=4&sort_by=email"} {
		code, body := e.call(t, "GET", e.base+"?"+q, e.owner.Token, "")
		if code != 200 {
			t.Fatalf("?%s: %d %s", q, code, body)
		}
		var p struct {
			Items []json.RawMessage `json:"items"`
			Count int64             `json:"count"`
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil || p.Count != int64(len(names)+1) || len(p.Items) == 0 {
			t.Fatalf("?%s: %v %s", q, err, body)
		}
		for _, item := range p.Items {
			var c struct{ Slug string }
			_ = json.Unmarshal(item, &c)
			code, one := e.call(t, "GET", e.base+c.Slug+"/", e.owner.Token, "")
			if code != 200 || strings.TrimSuffix(one, "\n") != string(item) {
				t.Errorf("?%s: item\n%s\nGET %s (%d):\n%s", q, item, c.Slug, code, one)
			}
		}
	}
}

// A page and its total are read in one statement, so while contacts are
// created and deleted concurrently every full page holds exactly its count
// of distinct contacts, in order.
func TestListPageAgreesWithCountUnderConcurrentWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 20 {
		e.create(t, `{"display_name":"Seed"}`)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range 2 {
		wg.Go(func() {
			for i := range 30 {
				code, body := e.call(t, "POST", e.base, e.owner.Token, `{"display_name":"W`+testutil.Itoa(int64(w))+`-`+testutil.Itoa(int64(i))+`"}`)
				var c struct{ Slug string }
				if err := json.Unmarshal([]byte(body), &c); code != 201 || err != nil {
					t.Errorf("create: %d %s", code, body)
					return
				}
				if i%2 == 0 {
					if code, body := e.call(t, "DELETE", e.base+c.Slug+"/", e.owner.Token, ""); code != 200 {
						t.Errorf("delete: %d %s", code, body)
					}
				}
			}
		})
	}
	go func() { wg.Wait(); close(done) }()
	pages := 0
	for finished := false; !finished; pages++ {
		select {
		case <-done:
			finished = true // one more page after the last write
		default:
		}
		p := e.list(t, "limit=500")
		seen := map[int64]bool{}
		for i, c := range p.Items {
			if seen[c.ID] {
				t.Fatalf("page %d: contact %d twice", pages, c.ID)
			}
			seen[c.ID] = true
			if i > 0 && (p.Items[i-1].DisplayName > c.DisplayName || p.Items[i-1].DisplayName == c.DisplayName && p.Items[i-1].ID > c.ID) {
				t.Fatalf("page %d: out of order at %d", pages, i)
			}
		}
		if int64(len(p.Items)) != p.Count {
			t.Fatalf("page %d: %d contacts, count %d", pages, len(p.Items), p.Count)
		}
	}
	if p := e.list(t, "limit=500"); p.Count != 20+2*15 {
		t.Errorf("final count %d, want 50", p.Count)
	}
}
