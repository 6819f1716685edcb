package app_test

import (
	"net/http"
	"testing"

	"apistarter/internal/testutil"
)

// The console is mounted at /admin/ next to the queue dashboard, and
// ADMIN_ENABLED=false removes it.
func TestAdminConsoleMountedAndSwitchable(t *testing.T) {
	t.Parallel()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(t *testing.T, s *testutil.Server, path string) *http.Response {
		t.Helper()
		resp, err := noRedirect.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	on := testutil.NewServer(t, testutil.WithEnv("DASHBOARD_BASIC_AUTH", "ops:secret-pass"))
	if resp := get(t, on, "/admin/login"); resp.StatusCode != http.StatusOK {
		t.Errorf("console sign-in page: %d, want 200", resp.StatusCode)
	}
	if resp := get(t, on, "/admin/"); resp.StatusCode/100 != 3 {
		t.Errorf("console overview without a session: %d, want a redirect to sign-in", resp.StatusCode)
	}
	if resp := get(t, on, "/admin/queues/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("queue dashboard without credentials: %d, want 401 (still the dashboard's)", resp.StatusCode)
	}

	off := testutil.NewServer(t, testutil.WithEnv("ADMIN_ENABLED", "false"))
	for _, path := range []string{"/admin/", "/admin/login"} {
		if resp := get(t, off, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("ADMIN_ENABLED=false: %s answered %d, want 404", path, resp.StatusCode)
		}
	}
}
