package contacts_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"apistarter/internal/contacts"
	"apistarter/internal/testutil"
)

// env is a server with one user whose personal org holds the contacts.
type env struct {
	s     *testutil.Server
	owner *testutil.User
	org   string // org slug
	base  string // /api/v1/orgs/<org>/contacts/
}

func newEnv(t testing.TB) *env {
	t.Helper()
	s := testutil.NewServer(t)
	u := s.CreateUser(t, "alice")
	return &env{s: s, owner: u, org: u.PersonalOrg, base: "/api/v1/orgs/" + u.PersonalOrg + "/contacts/"}
}

// call sends a JSON request and returns the status and body.
func (e *env) call(t testing.TB, method, path, token, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	resp := e.s.Do(t, method, path, token, r, nil)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// create posts a contact as the owner and fails the test unless it is 201.
func (e *env) create(t testing.TB, body string) contacts.ContactOut {
	t.Helper()
	code, b := e.call(t, "POST", e.base, e.owner.Token, body)
	if code != 201 {
		t.Fatalf("create %s: %d %s", body, code, b)
	}
	return decode[contacts.ContactOut](t, b)
}

func decode[T any](t testing.TB, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %T: %v; body: %s", v, err, body)
	}
	return v
}

// scalar runs a one-value query on the test database.
func scalar[T any](t testing.TB, s *testutil.Server, sql string, args ...any) T {
	t.Helper()
	var v T
	if err := s.App.DB.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return v
}

// exec runs a statement on the test database.
func exec(t testing.TB, s *testutil.Server, sql string, args ...any) {
	t.Helper()
	if _, err := s.App.DB.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

// checkContact returns an After hook asserting fields of the JSON body.
func checkContact(check func(t testing.TB, c contacts.ContactOut)) func(testing.TB, *http.Response, string) {
	return func(t testing.TB, _ *http.Response, body string) {
		t.Helper()
		check(t, decode[contacts.ContactOut](t, body))
	}
}

func jsonUnmarshal(body string, v any) error { return json.Unmarshal([]byte(body), v) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
