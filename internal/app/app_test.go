package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"apistarter/internal/testutil"
)

func TestHealthAndRequestID(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	s.Run(t, []testutil.Scenario{
		{Name: "live", Method: "GET", URL: "/health/live/", ExpectedStatus: 200, ExpectedBody: []string{`"status":"ok"`}},
		{Name: "ready", Method: "GET", URL: "/health/ready/", ExpectedStatus: 200, ExpectedBody: []string{`"status":"ok"`}},
		{Name: "unknown path", Method: "GET", URL: "/api/v1/nope/", ExpectedStatus: 404, ExpectedBody: []string{`"detail":"Not Found"`}},
		{Name: "client request id kept", Method: "GET", URL: "/health/live/", Headers: map[string]string{"X-Request-ID": "abc-123_X"},
			ExpectedStatus: 200, After: func(t testing.TB, resp *http.Response, _ string) {
				if got := resp.Header.Get("X-Request-ID"); got != "abc-123_X" {
					t.Errorf("X-Request-ID = %q", got)
				}
			}},
		{Name: "bad request id replaced", Method: "GET", URL: "/health/live/", Headers: map[string]string{"X-Request-ID": "bad id!"},
			ExpectedStatus: 200, After: func(t testing.TB, resp *http.Response, _ string) {
				if got := resp.Header.Get("X-Request-ID"); got == "bad id!" || len(got) != 32 {
					t.Errorf("X-Request-ID = %q, want a fresh id", got)
				}
			}},
	})
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	for _, path := range []string{"/api/v1/openapi.json", "/api/v1/openapi-3.0.json"} {
		resp := s.Do(t, "GET", path, "", nil, nil)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: not JSON: %v", path, err)
		}
		if doc["openapi"] == nil || doc["info"] == nil {
			t.Fatalf("%s: not an OpenAPI document", path)
		}
	}
	resp := s.Do(t, "GET", "/api/v1/docs", "", nil, nil)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("docs: %d", resp.StatusCode)
	}
}
