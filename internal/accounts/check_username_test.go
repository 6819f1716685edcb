package accounts_test

import (
	"testing"

	"apistarter/internal/testutil"
)

func TestCheckUsernameAnswersAnEmptyNameWithTheLengthReason(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := s.CreateUser(t, "alice")
	s.Run(t, []testutil.Scenario{
		{Name: "empty", Method: "GET", URL: "/api/v1/users/check_username?username=", Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`{"available":false,"reason":"Username must be 1-50 characters."}`}},
	})
}
