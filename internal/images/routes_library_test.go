package images_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"apistarter/internal/images"
	"apistarter/internal/testutil"
)

type imagePage struct {
	Items []images.ImageOut `json:"items"`
	Count int64             `json:"count"`
}

func titles(p imagePage) []string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it.Title)
	}
	return out
}

func TestListImages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, title := range []string{"b", "a", "c"} {
		e.insertImage(t, e.orgID, title)
	}
	bob := e.s.CreateUser(t, "bob")
	e.insertImage(t, testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, bob.PersonalOrg), "bob's")
	list := func(query string) imagePage {
		st, body := e.call(t, "GET", e.org+"/images/"+query, e.alice.Token, "", nil)
		if st != 200 {
			t.Fatalf("%s: %d %s", query, st, body)
		}
		return testutil.Decode[imagePage](t, body)
	}
	for query, want := range map[string][]string{
		"":                                 {"c", "a", "b"}, // newest first
		"?ordering=created_at":             {"b", "a", "c"},
		"?ordering=title":                  {"a", "b", "c"},
		"?ordering=-title":                 {"c", "b", "a"},
		"?ordering=title&limit=2&offset=1": {"b", "c"},
	} {
		p := list(query)
		if p.Count != 3 || !slices.Equal(titles(p), want) {
			t.Errorf("%q: count %d, titles %v, want %v", query, p.Count, titles(p), want)
		}
	}
	e.s.Run(t, []testutil.Scenario{
		{Name: "bad ordering", Method: "GET", URL: e.org + "/images/?ordering=id", Token: e.alice.Token, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Invalid ordering. Allowed: created_at, -created_at, title, -title"}`}},
		{Name: "limit over the maximum", Method: "GET", URL: e.org + "/images/?limit=501", Token: e.alice.Token, ExpectedStatus: 400,
			ExpectedBody: []string{`"location":["query","limit"]`}},
		{Name: "limit zero", Method: "GET", URL: e.org + "/images/?limit=0", Token: e.alice.Token, ExpectedStatus: 400},
		{Name: "negative offset", Method: "GET", URL: e.org + "/images/?offset=-1", Token: e.alice.Token, ExpectedStatus: 400},
		{Name: "maximum limit", Method: "GET", URL: e.org + "/images/?limit=500", Token: e.alice.Token, ExpectedStatus: 200, ExpectedBody: []string{`"count":3`}},
		{Name: "outsider", Method: "GET", URL: e.org + "/images/", Token: bob.Token, ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Organization not found"}`}},
		{Name: "unknown org", Method: "GET", URL: "/api/v1/orgs/nope/images/", Token: e.alice.Token, ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Organization not found"}`}},
		{Name: "anonymous", Method: "GET", URL: e.org + "/images/", ExpectedStatus: 401},
	})
}

// Paging through a list while rows are added never shows a row twice, even
// when many rows share the sort key (same title, same created_at).
func TestPagingWhileInsertingIsStable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	testutil.Exec(t, e.s, `INSERT INTO images (organization_id, file, title)
		SELECT $1::bigint, 'private/images/' || $1::text || '/' || g || '.webp', 'same' FROM generate_series(1, 40) g`, e.orgID)
	for _, ordering := range []string{"title", "created_at"} {
		seen := map[int64]bool{}
		for offset := 0; ; offset += 7 {
			st, body := e.call(t, "GET", fmt.Sprintf("%s/images/?ordering=%s&limit=7&offset=%d", e.org, ordering, offset), e.alice.Token, "", nil)
			if st != 200 {
				t.Fatalf("%d %s", st, body)
			}
			p := testutil.Decode[imagePage](t, body)
			if len(p.Items) == 0 {
				break
			}
			for _, it := range p.Items {
				if seen[it.ID] {
					t.Fatalf("%s: image %d returned twice", ordering, it.ID)
				}
				seen[it.ID] = true
			}
			e.insertImage(t, e.orgID, "zzz later") // sorts after every row already listed
		}
		n := 0
		for id := range seen {
			if testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images WHERE id = $1 AND title = 'same'`, id) == 1 {
				n++
			}
		}
		if n != 40 {
			t.Errorf("%s: saw %d of the 40 original rows", ordering, n)
		}
	}
}

func TestPatchImage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	img := e.upload(t, "a.png")
	url := fmt.Sprintf("%s/images/%d/", e.org, img.ID)
	bob := e.s.CreateUser(t, "bob")
	bobImage := e.insertImage(t, testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, bob.PersonalOrg), "bob's")
	tok := e.alice.Token
	e.s.Run(t, []testutil.Scenario{
		{Name: "title only", Method: "PATCH", URL: url, Token: tok, Body: `{"title":"Sunset"}`, ExpectedStatus: 200,
			ExpectedBody: []string{`"title":"Sunset"`, `"description":""`, `"alt_text":""`}},
		{Name: "description and alt text", Method: "PATCH", URL: url, Token: tok, Body: `{"description":"long text","alt_text":"A sunset"}`, ExpectedStatus: 200,
			ExpectedBody: []string{`"title":"Sunset"`, `"description":"long text"`, `"alt_text":"A sunset"`}},
		{Name: "empty patch", Method: "PATCH", URL: url, Token: tok, Body: `{}`, ExpectedStatus: 200, ExpectedBody: []string{`"title":"Sunset"`}},
		{Name: "null title", Method: "PATCH", URL: url, Token: tok, Body: `{"title":null}`, ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","title"]`}},
		{Name: "title too long", Method: "PATCH", URL: url, Token: tok, Body: `{"title":"` + strings.Repeat("x", 121) + `"}`, ExpectedStatus: 400},
		{Name: "alt text too long", Method: "PATCH", URL: url, Token: tok, Body: `{"alt_text":"` + strings.Repeat("é", 121) + `"}`, ExpectedStatus: 400},
		{Name: "NUL character", Method: "PATCH", URL: url, Token: tok, Body: `{"description":"a\u0000b"}`, ExpectedStatus: 400},
		{Name: "unknown field", Method: "PATCH", URL: url, Token: tok, Body: `{"visibility":"public"}`, ExpectedStatus: 400},
		{Name: "other org's image", Method: "PATCH", URL: fmt.Sprintf("%s/images/%d/", e.org, bobImage), Token: tok, Body: `{"title":"x"}`,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "outsider", Method: "PATCH", URL: url, Token: bob.Token, Body: `{"title":"x"}`, ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Organization not found"}`}},
	})
}

func TestDeleteImageSchedulesItsFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	img := e.upload(t, "a.png")
	c := e.insertContact(t, e.orgID, "c")
	if st, body := e.call(t, "POST", fmt.Sprintf("%s/images/contacts/contact/%d/", e.org, c), e.alice.Token, fmt.Sprintf(`{"image_ids":[%d]}`, img.ID), nil); st != 200 {
		t.Fatalf("attach: %d %s", st, body)
	}
	if st, body := e.call(t, "POST", fmt.Sprintf("%s/images/%d/shares", e.org, img.ID), e.alice.Token, `{}`, nil); st != 200 {
		t.Fatalf("share: %d %s", st, body)
	}
	url := fmt.Sprintf("%s/images/%d/", e.org, img.ID)
	if st, body := e.call(t, "DELETE", url, e.alice.Token, "", nil); st != http.StatusNoContent || body != "" {
		t.Fatalf("delete: %d %q", st, body)
	}
	if got, want := testutil.ScheduledDeletes(t, e.s), variantList(img.VariantKeys); !slices.Equal(got, want) {
		t.Errorf("scheduled %v, want %v", got, want)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT (SELECT count(*) FROM image_relations) + (SELECT count(*) FROM image_share_links)`); n != 0 {
		t.Errorf("%d relations and share links left", n)
	}
	if st, body := e.call(t, "DELETE", url, e.alice.Token, "", nil); st != 404 || body != `{"detail":"Not Found"}`+"\n" {
		t.Errorf("delete again: %d %s", st, body)
	}
}

func TestSignedURLs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	img := e.upload(t, "a.png")
	st, body := e.call(t, "GET", fmt.Sprintf("%s/images/%d/urls", e.org, img.ID), e.alice.Token, "", nil)
	if st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	out := testutil.Decode[images.SignedURLsOut](t, body)
	if out.ImageID != img.ID || out.ExpiresAt.IsZero() {
		t.Errorf("response: %s", body)
	}
	for name, u := range map[string]string{"original": out.URLs.Original, "thumb": out.URLs.Thumb, "lg": out.URLs.Lg} {
		// Links are signed for PUBLIC_BASE_URL; fetch them from the test server.
		path := u[strings.Index(u, "/files/"):]
		resp := e.s.Do(t, "GET", path, "", nil, nil)
		st, data := testutil.ReadResponse(t, resp)
		if st != 200 || len(data) == 0 || resp.Header.Get("Content-Type") != "image/webp" || resp.Header.Get("Cache-Control") != "private, max-age=900" {
			t.Errorf("%s: %d %q %q", name, st, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
		}
	}
	bob := e.s.CreateUser(t, "bob")
	e.s.Run(t, []testutil.Scenario{
		{Name: "unknown image", Method: "GET", URL: e.org + "/images/99999/urls", Token: e.alice.Token, ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "outsider", Method: "GET", URL: fmt.Sprintf("%s/images/%d/urls", e.org, img.ID), Token: bob.Token, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Organization not found"}`}},
		{Name: "bad id", Method: "GET", URL: e.org + "/images/abc/urls", Token: e.alice.Token, ExpectedStatus: 400},
	})
}
