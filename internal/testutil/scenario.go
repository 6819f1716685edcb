package testutil

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Scenario is one HTTP case: request, expected status and body fragments.
type Scenario struct {
	Name           string
	Method         string
	URL            string
	Token          string
	Headers        map[string]string
	Body           string // sent as application/json unless a Content-Type header is given
	ExpectedStatus int
	ExpectedBody   []string // fragments that must appear
	NotExpected    []string // fragments that must not appear
	// Before runs ahead of the request (e.g. to create rows); After checks effects.
	Before func(t testing.TB)
	After  func(t testing.TB, resp *http.Response, body string)
}

// Run executes the scenarios as subtests against s (in order, not parallel:
// scenarios often build on each other's effects).
func (s *Server) Run(t *testing.T, scenarios []Scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			if sc.Before != nil {
				sc.Before(t)
			}
			var body io.Reader
			if sc.Body != "" {
				body = strings.NewReader(sc.Body)
			}
			resp := s.Do(t, sc.Method, sc.URL, sc.Token, body, sc.Headers)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			got := string(b)
			if resp.StatusCode != sc.ExpectedStatus {
				t.Fatalf("%s %s: status %d, want %d; body: %s", sc.Method, sc.URL, resp.StatusCode, sc.ExpectedStatus, got)
			}
			for _, f := range sc.ExpectedBody {
				if !strings.Contains(got, f) {
					t.Errorf("%s %s: body lacks %q; body: %s", sc.Method, sc.URL, f, got)
				}
			}
			for _, f := range sc.NotExpected {
				if strings.Contains(got, f) {
					t.Errorf("%s %s: body has unexpected %q; body: %s", sc.Method, sc.URL, f, got)
				}
			}
			if sc.After != nil {
				sc.After(t, resp, got)
			}
		})
	}
}
