package accounts_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"apistarter/internal/auth"
	"apistarter/internal/testutil"
)

// testPassword passes the policy; fixtures get its hash.
const testPassword = "correct-horse-battery-staple"

// testHasher matches the test configuration (PASSWORD_HASH_MEMORY_KIB=1024,
// PASSWORD_HASH_TIME=1), so logins never rehash.
var testHasher = auth.NewHasher(auth.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1})

func hashOf(t testing.TB, pw string) string {
	t.Helper()
	h, err := testHasher.Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// userWithPassword is a fixture user whose password is testPassword.
func userWithPassword(t testing.TB, s *testutil.Server, name string) *testutil.User {
	t.Helper()
	return s.CreateUser(t, name, testutil.PasswordHash(hashOf(t, testPassword)))
}

// call sends a JSON request and decodes the JSON answer.
func call(t testing.TB, s *testutil.Server, method, path, token, body string, headers map[string]string) (int, map[string]any, *http.Response) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	resp := s.Do(t, method, path, token, r, headers)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: not JSON (%d): %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, m, resp
}

// login returns an access and a refresh token for email.
func login(t testing.TB, s *testutil.Server, email, password string) (access, refresh string) {
	t.Helper()
	status, body, _ := call(t, s, "POST", "/api/v1/token/pair", "", `{"email":"`+email+`","password":"`+password+`","device_name":"test"}`, nil)
	if status != 200 {
		t.Fatalf("login %s: %d %v", email, status, body)
	}
	return body["access"].(string), body["refresh"].(string)
}

// status is the status of an authenticated GET /users/me.
func meStatus(t testing.TB, s *testutil.Server, access string) int {
	t.Helper()
	st, _, _ := call(t, s, "GET", "/api/v1/users/me", access, "", nil)
	return st
}

// sentMail is an email task written to the outbox.
type sentMail struct {
	To      string
	Subject string
	Text    string
}

// outboxMails lists the email tasks in the outbox, oldest first.
func outboxMails(t testing.TB, s *testutil.Server) []sentMail {
	t.Helper()
	rows, err := s.App.DB.Query(context.Background(),
		`SELECT payload->'to'->>0, payload->>'subject', payload->>'text' FROM outbox WHERE task_type = 'email:send' ORDER BY created_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []sentMail
	for rows.Next() {
		var m sentMail
		if err := rows.Scan(&m.To, &m.Subject, &m.Text); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

var fragmentToken = regexp.MustCompile(`#token=([A-Za-z0-9_\-]+)`)

// tokenIn extracts the token of a link's URL fragment.
func tokenIn(t testing.TB, text string) string {
	t.Helper()
	m := fragmentToken.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no #token= link in: %s", text)
	}
	return m[1]
}

// mailWithSubject is the one mail whose subject starts with prefix.
func mailWithSubject(t testing.TB, mails []sentMail, prefix string) sentMail {
	t.Helper()
	var found []sentMail
	for _, m := range mails {
		if strings.HasPrefix(m.Subject, prefix) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d mails with subject %q, want 1", len(found), prefix)
	}
	return found[0]
}
