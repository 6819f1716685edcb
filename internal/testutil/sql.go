package testutil

import (
	"context"
	"testing"
)

// Scalar runs a query returning one value on the test's database and fails
// the test on error (no row included).
func Scalar[T any](t testing.TB, s *Server, sql string, args ...any) T {
	t.Helper()
	var v T
	if err := s.App.DB.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return v
}

// Exec runs a statement on the test's database and fails the test on error.
func Exec(t testing.TB, s *Server, sql string, args ...any) {
	t.Helper()
	if _, err := s.App.DB.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}
