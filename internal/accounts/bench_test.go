package accounts_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"apistarter/internal/auth"
	"apistarter/internal/testutil"
)

// BenchmarkLogin measures POST /token/pair end to end with the production
// argon2id parameters (19 MiB, t=2): the cost of one login.
func BenchmarkLogin(b *testing.B) {
	s := testutil.NewServer(b, testutil.WithEnv("PASSWORD_HASH_MEMORY_KIB", "19456"), testutil.WithEnv("PASSWORD_HASH_TIME", "2"))
	prod := auth.NewHasher(auth.PasswordParams{MemoryKiB: 19456, Time: 2, Threads: 1})
	hash, err := prod.Hash(context.Background(), testPassword)
	if err != nil {
		b.Fatal(err)
	}
	u := s.CreateUser(b, "bench", testutil.PasswordHash(hash))
	body := `{"email":"` + u.Email + `","password":"` + testPassword + `"}`
	b.ResetTimer()
	for b.Loop() {
		resp := s.Do(b, "POST", "/api/v1/token/pair", "", strings.NewReader(body), nil)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("login: %d", resp.StatusCode)
		}
	}
}

// BenchmarkAuthenticatedRequest measures what authentication adds to a
// request: verifying the token and the one session query ("authenticate"),
// and a whole GET /users/me for scale.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	s := testutil.NewServer(b)
	u := s.CreateUser(b, "bench")
	b.Run("authenticate", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			if _, _, err := s.App.Auth.Authenticate(ctx, u.Token, "", false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("users-me", func(b *testing.B) {
		for b.Loop() {
			resp := s.Do(b, "GET", "/api/v1/users/me", u.Token, nil, nil)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("GET /users/me: %d", resp.StatusCode)
			}
		}
	})
}
