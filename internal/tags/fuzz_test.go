package tags_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"apistarter/internal/testutil"
)

// FuzzTagNames feeds arbitrary names to every tag route that takes one
// (create, rename, assign, search, by-slug, unassign-by-slug) through the
// real handler: never a 5xx. Seeds live in testdata/fuzz.
func FuzzTagNames(f *testing.F) {
	for _, seed := range []string{"VIP", " vip ", "C++", "C#", "", "!?!", "ﬃ", "a\x00b", "\xff", "100%_off\\", "你好",
		"Straße", "x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x"} {
		f.Add(seed)
	}
	e := newEnv(f)
	id := e.contact(f, e.org, e.owner.Token, "Fuzz Target")
	tag := e.tag(f, "fuzz-target")
	f.Fuzz(func(t *testing.T, name string) {
		obj, _ := json.Marshal(map[string]string{"name": name})
		list, _ := json.Marshal([]string{name, "fixed"})
		for _, req := range []struct{ method, path, body string }{
			{"POST", e.base, string(obj)},
			{"PATCH", e.base + testutil.Itoa(tag.ID) + "/", string(obj)},
			{"POST", e.objectURL(id), string(list)},
			{"POST", e.objectURL(id), name},
			{"DELETE", e.objectURL(id), name},
			{"GET", e.base + "search/?q=" + url.QueryEscape(name), ""},
			{"GET", e.base + "?ordering=" + url.QueryEscape(name), ""},
			{"GET", e.base + "by-slug/" + url.PathEscape(name) + "/", ""},
			{"DELETE", e.objectURL(id) + url.PathEscape(name) + "/", ""},
			{"GET", e.base + url.PathEscape(name) + "/contact/1/", ""},
		} {
			if code, resp := e.call(t, req.method, req.path, e.owner.Token, req.body); code >= 500 {
				t.Fatalf("%s %s with %q: %d %s", req.method, req.path, req.body, code, resp)
			}
		}
	})
}
