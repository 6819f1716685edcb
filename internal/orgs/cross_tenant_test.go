package orgs_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

type openAPIDoc struct {
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

type openAPIOp struct {
	Parameters []struct {
		Name   string `json:"name"`
		In     string `json:"in"`
		Schema struct {
			Type string `json:"type"`
		} `json:"schema"`
	} `json:"parameters"`
	Security []map[string][]string `json:"security"`
}

type orgRoute struct{ method, path string }

// orgRoutes lists every operation of the served OpenAPI document whose path
// carries {org_slug}, with a URL builder filling the path parameters.
func orgRoutes(t *testing.T, s *testutil.Server) (routes []orgRoute, url func(r orgRoute, slug string) string) {
	t.Helper()
	resp := s.Do(t, "GET", "/api/v1/openapi.json", "", nil, nil)
	defer resp.Body.Close()
	var doc openAPIDoc
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("openapi: %v", err)
	}
	params := map[orgRoute]map[string]string{}
	for path, ops := range doc.Paths {
		if !strings.Contains(path, "{org_slug}") {
			continue
		}
		for method, raw := range ops {
			m := strings.ToUpper(method)
			if !slices.Contains([]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}, m) {
				continue
			}
			var op openAPIOp
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("openapi %s %s: %v", m, path, err)
			}
			if !slices.ContainsFunc(op.Security, func(r map[string][]string) bool { _, ok := r["JWTAuth"]; return ok }) ||
				slices.ContainsFunc(op.Security, func(r map[string][]string) bool { return len(r) == 0 }) {
				t.Errorf("%s %s security %v: org routes must require a bearer token", m, path, op.Security)
			}
			r := orgRoute{m, path}
			params[r] = map[string]string{}
			for _, p := range op.Parameters {
				if p.In == "path" && p.Name != "org_slug" {
					v := "x"
					if p.Schema.Type == "integer" || p.Schema.Type == "number" {
						v = "1"
					}
					params[r][p.Name] = v
				}
			}
			routes = append(routes, r)
		}
	}
	slices.SortFunc(routes, func(a, b orgRoute) int { return strings.Compare(a.path+a.method, b.path+b.method) })
	return routes, func(r orgRoute, slug string) string {
		u := strings.ReplaceAll(r.path, "{org_slug}", slug)
		for k, v := range params[r] {
			u = strings.ReplaceAll(u, "{"+k+"}", v)
		}
		return "/api/v1" + u
	}
}

// TestOutsidersGetIdenticalNotFoundOnEveryOrgRoute walks every registered
// org-scoped operation (so routes added later are covered too) and checks
// that a foreign org and an unknown org answer byte for byte the same 404.
func TestOutsidersGetIdenticalNotFoundOnEveryOrgRoute(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	outsider := s.CreateUser(t, "outsider")
	staff := s.CreateUser(t, "staff")
	if _, err := s.App.DB.Exec(t.Context(), `UPDATE users SET is_superuser = false, is_staff = true WHERE id = $1`, staff.ID); err != nil {
		t.Fatal(err)
	}
	s.CreateGroupOrg(t, owner, "acme")

	routes, url := orgRoutes(t, s)
	if len(routes) < 9 {
		t.Fatalf("only %d org routes found in the OpenAPI document", len(routes))
	}
	const want = `{"detail":"Organization not found"}`
	for _, r := range routes {
		for _, who := range []*testutil.User{outsider, staff} {
			var first []byte
			var firstHeader http.Header
			for _, slug := range []string{"acme", owner.PersonalOrg, "no-such-org"} {
				var body io.Reader
				if r.method == "POST" || r.method == "PUT" || r.method == "PATCH" {
					body = strings.NewReader(`{}`)
				}
				resp := s.Do(t, r.method, url(r, slug), who.Token, body, nil)
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound || strings.TrimSpace(string(b)) != want {
					t.Errorf("%s %s as %s: %d %s, want 404 %s", r.method, url(r, slug), who.Username, resp.StatusCode, b, want)
					continue
				}
				if first == nil {
					first, firstHeader = b, resp.Header
					continue
				}
				if string(b) != string(first) || resp.Header.Get("Content-Type") != firstHeader.Get("Content-Type") ||
					resp.Header.Get("Content-Length") != firstHeader.Get("Content-Length") {
					t.Errorf("%s %s: foreign and unknown orgs differ: %q vs %q", r.method, r.path, b, first)
				}
			}
		}
	}
	t.Logf("checked %d org-scoped operations", len(routes))
}
