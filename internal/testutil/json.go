package testutil

import (
	"encoding/json"
	"net/http"
	"testing"
)

// Decode parses a JSON body into a T and fails the test when it does not parse.
func Decode[T any](t testing.TB, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %T: %v; body: %s", v, err, body)
	}
	return v
}

// DecodeResponse reads, closes and parses resp's JSON body into a T; a
// status of 300 or more fails the test, since the body is then an error.
func DecodeResponse[T any](t testing.TB, resp *http.Response) T {
	t.Helper()
	status, body := ReadResponse(t, resp)
	if status >= 300 {
		t.Fatalf("status %d; body: %s", status, body)
	}
	return Decode[T](t, body)
}
