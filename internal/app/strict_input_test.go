package app_test

import (
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"apistarter/internal/testutil"
)

// apiOp is one operation of the served OpenAPI document, with what the
// input-strictness walks need.
type apiOp struct {
	Method, Path string
	URL          string // path parameters filled for the org "acme"
	Op           map[string]any
}

// servedDoc reads the served OpenAPI document.
func servedDoc(t *testing.T, s *testutil.Server) map[string]any {
	t.Helper()
	resp := s.Do(t, "GET", "/api/v1/openapi.json", "", nil, nil)
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// apiOps lists every operation of the document, sorted, so routes added
// later are covered too.
func apiOps(t *testing.T, doc map[string]any) []apiOp {
	t.Helper()
	var ops []apiOp
	for path, item := range doc["paths"].(map[string]any) {
		for method, raw := range item.(map[string]any) {
			m := strings.ToUpper(method)
			if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, m) {
				continue
			}
			op := raw.(map[string]any)
			url := path
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				p := p.(map[string]any)
				if p["in"] != "path" {
					continue
				}
				v := "x"
				if p["name"] == "org_slug" {
					v = "acme"
				} else if sch, _ := p["schema"].(map[string]any); sch["type"] == "integer" {
					v = "1"
				}
				url = strings.ReplaceAll(url, "{"+p["name"].(string)+"}", v)
			}
			url = strings.ReplaceAll(url, "{org_slug}", "acme")
			for strings.Contains(url, "{") {
				i, j := strings.Index(url, "{"), strings.Index(url, "}")
				url = url[:i] + "1" + url[j+1:]
			}
			ops = append(ops, apiOp{Method: m, Path: path, URL: "/api/v1" + url, Op: op})
		}
	}
	slices.SortFunc(ops, func(a, b apiOp) int { return strings.Compare(a.Path+a.Method, b.Path+b.Method) })
	return ops
}

// resolve follows a local $ref.
func resolve(doc map[string]any, s map[string]any) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		return doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	}
	return s
}

func nullable(s map[string]any) bool {
	types, _ := s["type"].([]any)
	return slices.Contains(types, any("null"))
}

// jsonBody returns the JSON request body schema and whether it is required.
func jsonBody(doc map[string]any, op map[string]any) (schema map[string]any, required, ok bool) {
	rb, _ := op["requestBody"].(map[string]any)
	if rb == nil {
		return nil, false, false
	}
	content := rb["content"].(map[string]any)
	mt, _ := content["application/json"].(map[string]any)
	if mt == nil {
		return nil, false, false
	}
	req, _ := rb["required"].(bool)
	return resolve(doc, mt["schema"].(map[string]any)), req, true
}

// strictServer is an app with an owner of the group org "acme".
func strictServer(t *testing.T) (*testutil.Server, string) {
	t.Helper()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	s.CreateGroupOrg(t, owner, "acme")
	return s, owner.Token
}

// csrfHeaders passes the browser routes' CSRF check, so that their input
// is what gets checked.
func csrfHeaders(t *testing.T, s *testutil.Server) map[string]string {
	t.Helper()
	resp := s.Do(t, "GET", "/api/v1/auth/browser/csrf", "", nil, nil)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "csrftoken" {
			return map[string]string{"Cookie": "csrftoken=" + c.Value, "X-CSRFToken": c.Value}
		}
	}
	t.Fatal("no csrftoken cookie")
	return nil
}

var csrfByServer = map[*testutil.Server]map[string]string{}
var csrfMu sync.Mutex

func strictCall(t *testing.T, s *testutil.Server, method, url, token, body string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if body != "\x00none" {
		r = strings.NewReader(body)
	}
	csrfMu.Lock()
	h, ok := csrfByServer[s]
	if !ok {
		h = csrfHeaders(t, s)
		csrfByServer[s] = h
	}
	csrfMu.Unlock()
	resp := s.Do(t, method, url, token, r, h)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestWrongMethodOnAnExistingPathIs405WithAllow(t *testing.T) {
	t.Parallel()
	s, tok := strictServer(t)
	s.Run(t, []testutil.Scenario{
		{Name: "DELETE users/me", Method: "DELETE", URL: "/api/v1/users/me", Token: tok, ExpectedStatus: 405,
			ExpectedBody: []string{`{"detail":"Method Not Allowed"}`},
			After: func(t testing.TB, resp *http.Response, _ string) {
				if got := resp.Header.Get("Allow"); got != "GET, HEAD, PATCH" {
					t.Errorf("Allow = %q, want GET, HEAD, PATCH", got)
				}
			}},
		{Name: "GET token/pair", Method: "GET", URL: "/api/v1/token/pair", ExpectedStatus: 405, ExpectedBody: []string{`"detail":"Method Not Allowed"`}},
		{Name: "unknown path stays 404", Method: "DELETE", URL: "/api/v1/nope/", ExpectedStatus: 404, ExpectedBody: []string{`"detail":"Not Found"`}},
		{Name: "health: POST", Method: "POST", URL: "/health/live/", ExpectedStatus: 405},
	})

	// Every documented path, with a method it does not declare.
	doc := servedDoc(t, s)
	declared := map[string][]string{}
	urls := map[string]string{}
	for _, op := range apiOps(t, doc) {
		declared[op.Path] = append(declared[op.Path], op.Method)
		urls[op.Path] = op.URL
	}
	checked := 0
	for path, methods := range declared {
		// A URL another documented path also matches (tags/search/ and
		// tags/{tag_id}/) is routed by both: its Allow is their union.
		var all []string
		for other, ms := range declared {
			if other == path || matches(other, urls[path]) {
				all = append(all, ms...)
			}
		}
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if slices.Contains(all, m) {
				continue
			}
			resp, body := strictCall(t, s, m, urls[path], tok, "\x00none")
			allow := strings.Split(resp.Header.Get("Allow"), ", ")
			if resp.StatusCode != 405 || !strings.Contains(body, `"detail":"Method Not Allowed"`) {
				t.Errorf("%s %s: %d %s, want 405", m, path, resp.StatusCode, body)
				continue
			}
			for _, d := range methods {
				if !slices.Contains(allow, d) {
					t.Errorf("%s %s: Allow %q lacks %s", m, path, resp.Header.Get("Allow"), d)
				}
			}
			if slices.Contains(allow, m) {
				t.Errorf("%s %s: Allow %q lists the refused method", m, path, resp.Header.Get("Allow"))
			}
			checked++
		}
	}
	if checked < 50 {
		t.Fatalf("only %d wrong-method requests checked", checked)
	}
}

func TestNullForANonNullableBodyFieldIs400OnEveryRoute(t *testing.T) {
	t.Parallel()
	s, tok := strictServer(t)
	s.Run(t, []testutil.Scenario{
		{Name: "invitation role null", Method: "POST", URL: "/api/v1/orgs/acme/invitations/", Token: tok,
			Body: `{"email":"x@example.com","role":null}`, ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","role"]`}},
		{Name: "tag names: null item", Method: "POST", URL: "/api/v1/orgs/acme/tags/orgs/organization/1/", Token: tok,
			Body: `["a",null]`, ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","1"]`}},
		{Name: "nullable field still takes null", Method: "PATCH", URL: "/api/v1/orgs/acme/tags/999999/", Token: tok,
			Body: `{"name":null}`, ExpectedStatus: 404},
	})

	doc := servedDoc(t, s)
	checked := 0
	for _, op := range apiOps(t, doc) {
		schema, _, ok := jsonBody(doc, op.Op)
		if !ok {
			continue
		}
		if items, _ := schema["items"].(map[string]any); items != nil {
			if nullable(resolve(doc, items)) {
				continue
			}
			resp, body := strictCall(t, s, op.Method, op.URL, tok, `[null]`)
			if resp.StatusCode != 400 || !strings.Contains(body, `"location":["body","0"]`) {
				t.Errorf("%s %s [null]: %d %s, want 400 at body[0]", op.Method, op.Path, resp.StatusCode, body)
			}
			checked++
			continue
		}
		props, _ := schema["properties"].(map[string]any)
		for name, p := range props {
			if nullable(resolve(doc, p.(map[string]any))) {
				continue
			}
			resp, body := strictCall(t, s, op.Method, op.URL, tok, `{"`+name+`":null}`)
			if resp.StatusCode != 400 || !strings.Contains(body, `"location":["body","`+name+`"]`) {
				t.Errorf("%s %s {%q:null}: %d %s, want 400 at body.%s", op.Method, op.Path, name, resp.StatusCode, body, name)
			}
			checked++
		}
	}
	if checked < 40 {
		t.Fatalf("only %d null fields checked", checked)
	}
	t.Logf("checked %d non-nullable body fields", checked)
}

func TestEmptyOrNullBodyIs400OnEveryRequiredBodyRoute(t *testing.T) {
	t.Parallel()
	s, tok := strictServer(t)
	s.Run(t, []testutil.Scenario{
		{Name: "share creation: empty body", Method: "POST", URL: "/api/v1/orgs/acme/images/1/shares", Token: tok, Body: ``, ExpectedStatus: 400},
		{Name: "share creation: null body", Method: "POST", URL: "/api/v1/orgs/acme/images/1/shares", Token: tok, Body: `null`, ExpectedStatus: 400},
		{Name: "tag removal: empty body", Method: "DELETE", URL: "/api/v1/orgs/acme/tags/orgs/organization/1/", Token: tok, Body: ``, ExpectedStatus: 400},
		{Name: "tag removal: null body", Method: "DELETE", URL: "/api/v1/orgs/acme/tags/orgs/organization/1/", Token: tok, Body: `null`, ExpectedStatus: 400},
	})

	doc := servedDoc(t, s)
	checked := 0
	for _, op := range apiOps(t, doc) {
		_, required, ok := jsonBody(doc, op.Op)
		if !ok {
			continue
		}
		if !required {
			// Only bulk delete takes its ids from JSON or a form, and
			// answers a missing list itself.
			if op.Path != "/orgs/{org_slug}/bulk-delete/" {
				t.Errorf("%s %s: JSON body not required", op.Method, op.Path)
			}
			continue
		}
		for _, body := range []string{"", " ", "null", " null\n"} {
			resp, got := strictCall(t, s, op.Method, op.URL, tok, body)
			if resp.StatusCode != 400 {
				t.Errorf("%s %s body %q: %d %s, want 400", op.Method, op.Path, body, resp.StatusCode, got)
			}
		}
		checked++
	}
	if checked < 30 {
		t.Fatalf("only %d required-body routes checked", checked)
	}
}

func TestEmptyEnumeratedQueryValueIs400OnEveryRoute(t *testing.T) {
	t.Parallel()
	s, tok := strictServer(t)
	s.Run(t, []testutil.Scenario{
		{Name: "contacts sort_by empty", Method: "GET", URL: "/api/v1/orgs/acme/contacts/?sort_by=", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`"location":["query","sort_by"]`, `expected value to be one of`}},
		{Name: "contacts sort_by out of set", Method: "GET", URL: "/api/v1/orgs/acme/contacts/?sort_by=nope", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`"location":["query","sort_by"]`}},
		{Name: "contacts sort_by absent", Method: "GET", URL: "/api/v1/orgs/acme/contacts/", Token: tok, ExpectedStatus: 200},
	})

	// Sets checked by their handler (not in the schema): empty is answered
	// with the handler's own out-of-set error.
	resp, body := strictCall(t, s, "POST", "/api/v1/orgs/acme/contacts/", tok, `{"display_name":"Ada"}`)
	var contact struct{ ID int64 }
	if err := json.Unmarshal([]byte(body), &contact); err != nil || resp.StatusCode != 201 {
		t.Fatalf("create contact: %d %s", resp.StatusCode, body)
	}
	obj := "contacts/contact/" + strconv.FormatInt(contact.ID, 10) + "/"
	s.Run(t, []testutil.Scenario{
		{Name: "tags ordering empty", Method: "GET", URL: "/api/v1/orgs/acme/tags/?ordering=", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Invalid ordering. Allowed: name, -name, id, -id"}`}},
		{Name: "object tags ordering empty", Method: "GET", URL: "/api/v1/orgs/acme/tags/" + obj + "?ordering=", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Invalid ordering. Allowed: name, -name, id, -id"}`}},
		{Name: "images ordering empty", Method: "GET", URL: "/api/v1/orgs/acme/images/?ordering=", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Invalid ordering. Allowed: created_at, -created_at, title, -title"}`}},
		{Name: "image relations ordering empty", Method: "GET", URL: "/api/v1/orgs/acme/images/" + obj + "?ordering=", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Invalid ordering. Allowed: order, -order, created_at, -created_at, title, -title"}`}},
		{Name: "tags ordering absent", Method: "GET", URL: "/api/v1/orgs/acme/tags/", Token: tok, ExpectedStatus: 200},
		{Name: "tags search empty q is still all", Method: "GET", URL: "/api/v1/orgs/acme/tags/search/?q=", Token: tok, ExpectedStatus: 200},
	})

	doc := servedDoc(t, s)
	checked := 0
	for _, op := range apiOps(t, doc) {
		params, _ := op.Op["parameters"].([]any)
		for _, p := range params {
			p := p.(map[string]any)
			sch, _ := p["schema"].(map[string]any)
			if p["in"] != "query" || sch == nil {
				continue
			}
			if items, _ := sch["items"].(map[string]any); items != nil {
				sch = items
			}
			if sch["enum"] == nil {
				continue
			}
			name := p["name"].(string)
			resp, body := strictCall(t, s, op.Method, op.URL+"?"+name+"=", tok, "\x00none")
			if resp.StatusCode != 400 || !strings.Contains(body, `"location":["query","`+name+`"]`) {
				t.Errorf("%s %s?%s=: %d %s, want 400", op.Method, op.Path, name, resp.StatusCode, body)
			}
			checked++
		}
	}
	if checked < 2 {
		t.Fatalf("only %d enumerated query parameters checked", checked)
	}
}

// matches reports whether the documented path pattern matches url.
func matches(pattern, url string) bool {
	// Some paths are also served without their trailing slash.
	ps := strings.Split(strings.TrimSuffix("/api/v1"+pattern, "/"), "/")
	us := strings.Split(strings.TrimSuffix(url, "/"), "/")
	if len(ps) != len(us) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], "{") && ps[i] != us[i] {
			return false
		}
	}
	return true
}

// fieldWithoutFilename is a multipart body whose part is named like the
// upload field but has no filename: a plain form field, whatever its bytes.
func fieldWithoutFilename(t *testing.T, field string) (string, string) {
	t.Helper()
	var b strings.Builder
	w := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+field+`"`)
	h.Set("Content-Type", "image/png")
	p, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(testutil.PNG(t, 8, 8)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), w.FormDataContentType()
}

func TestUploadPartWithoutFilenameIsAFormFieldNotAFile(t *testing.T) {
	t.Parallel()
	s, tok := strictServer(t)
	resp, body := strictCall(t, s, "POST", "/api/v1/orgs/acme/contacts/", tok, `{"display_name":"Ada"}`)
	var contact struct{ Slug string }
	if err := json.Unmarshal([]byte(body), &contact); err != nil || resp.StatusCode != 201 || contact.Slug == "" {
		t.Fatalf("create contact: %d %s", resp.StatusCode, body)
	}
	for _, c := range []struct {
		name, url, field string
		status           int
		want             string
	}{
		{"image library", "/api/v1/orgs/acme/images/", "file", 400, `"location":["body","file"]`},
		{"user avatar", "/api/v1/users/avatar", "file", 400, `"location":["body","file"]`},
		{"contact avatar", "/api/v1/orgs/acme/contacts/" + contact.Slug + "/avatar/", "file", 400, `"location":["body","file"]`},
		{"bulk upload", "/api/v1/orgs/acme/bulk-upload/", "files", 200, `[{"id":null,"file":null,"status":"error","error":"No files uploaded"}]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			form, ct := fieldWithoutFilename(t, c.field)
			resp := s.Do(t, "POST", c.url, tok, strings.NewReader(form), map[string]string{"Content-Type": ct})
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || !strings.Contains(string(b), c.want) {
				t.Errorf("%d %s, want %d with %s", resp.StatusCode, b, c.status, c.want)
			}
			// The same answer as a request without the part at all.
			empty, ect := testutil.Multipart(t)
			resp = s.Do(t, "POST", c.url, tok, strings.NewReader(string(empty)), map[string]string{"Content-Type": ect})
			nb, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || string(nb) != string(b) {
				t.Errorf("without the part: %d %s; with a filename-less part: %s", resp.StatusCode, nb, b)
			}
		})
	}
	var n int
	if err := s.App.DB.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM images) + (SELECT count(*) FROM users WHERE avatar_path IS NOT NULL) + (SELECT count(*) FROM contacts WHERE avatar_path IS NOT NULL)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d files stored from form fields (%v)", n, err)
	}
}
