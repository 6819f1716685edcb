package accounts

import (
	"strings"
	"testing"
)

func TestValidEmail(t *testing.T) {
	good := []string{"a@b.co", "jane.doe+tag@example.com", "x_y@sub.example.org"}
	bad := []string{"", "plain", "@example.com", "a@", "a@b", "a b@example.com", "Jane <jane@example.com>",
		"a@@example.com", "a@-bad.com", "a@example..com", strings.Repeat("a", 250) + "@b.co"}
	for _, e := range good {
		if !ValidEmail(e) {
			t.Errorf("ValidEmail(%q) = false", e)
		}
	}
	for _, e := range bad {
		if ValidEmail(e) {
			t.Errorf("ValidEmail(%q) = true", e)
		}
	}
}

func TestUsernameFromEmail(t *testing.T) {
	cases := map[string]string{
		"jane.doe@gmail.com":               "jane.doe",
		"jane doe+foo@x.com":               "janedoefoo",
		"+++@x.com":                        "user",
		"élodie@x.com":                     "lodie",
		strings.Repeat("x", 60) + "@x.com": strings.Repeat("x", 50),
	}
	for in, want := range cases {
		if got := usernameFromEmail(in); got != want {
			t.Errorf("usernameFromEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNumberedCandidatesFitAndNeverUseHyphens(t *testing.T) {
	c := numbered(strings.Repeat("x", 50), "_", 12, 50)
	if c[0] != strings.Repeat("x", 50) || c[1] != strings.Repeat("x", 48)+"_1" || c[11] != strings.Repeat("x", 47)+"_11" {
		t.Fatalf("candidates: %q", c[:2])
	}
	for _, v := range c {
		if len(v) > 50 || usernameProblem(v) != "" {
			t.Fatalf("candidate %q breaks the username policy", v)
		}
	}
	if r := randomSuffixed(strings.Repeat("y", 50), "_"); len(r) != 50 || usernameProblem(r) != "" {
		t.Fatalf("random candidate %q", r)
	}
}

func TestUsernameProblem(t *testing.T) {
	cases := map[string]string{
		"alice":                 "",
		"a.b_c9":                "",
		"":                      msgUsernameLength,
		strings.Repeat("a", 51): msgUsernameLength,
		"al-ice":                msgUsernameChars,
		"al ice":                msgUsernameChars,
		"élodie":                msgUsernameChars,
	}
	for in, want := range cases {
		if got := usernameProblem(in); got != want {
			t.Errorf("usernameProblem(%q) = %q, want %q", in, got, want)
		}
	}
}
