package contacts_test

import (
	"net/url"
	"testing"
)

// FuzzContactBodies sends arbitrary bodies to create, replace and patch, and
// arbitrary text as a search, through the real handler: every answer is a
// 2xx or a 4xx, never a 5xx. Seeds live in testdata/fuzz.
func FuzzContactBodies(f *testing.F) {
	for _, seed := range []string{
		`{"first_name":"Ada","last_name":"Lovelace","email":" ada@example.com "}`,
		`{"display_name":null,"email":""}`,
		`{"display_name":"a\u0000"}`,
		`{"organization":"x"}`,
		"{\"notes\":\"\xff\xfe\"}",
		`[]`, `null`, `"x"`, `{"phone":1e400}`, `ada %_\ smith`,
	} {
		f.Add(seed)
	}
	e := newEnv(f)
	target := e.create(f, `{"display_name":"Fuzz Target"}`)
	item := e.base + target.Slug + "/"
	f.Fuzz(func(t *testing.T, body string) {
		for _, req := range []struct{ method, path, body string }{
			{"POST", e.base, body},
			{"PUT", item, body},
			{"PATCH", item, body},
			{"GET", e.base + "?search=" + url.QueryEscape(body), ""},
			{"GET", e.base + url.PathEscape(body) + "/", ""},
		} {
			if code, resp := e.call(t, req.method, req.path, e.owner.Token, req.body); code >= 500 {
				t.Fatalf("%s %s with %q: %d %s", req.method, req.path, req.body, code, resp)
			}
		}
	})
}
