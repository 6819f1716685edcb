package accounts

import (
	"math"
	"testing"
)

func TestPasswordPolicyMessages(t *testing.T) {
	p := NewPasswordPolicy()
	alice := UserAttributes{Username: "alice.smith", FirstName: "Alice", LastName: "Smith", Email: "alice.smith@example.com"}
	cases := []struct {
		password string
		want     string // "" = accepted
	}{
		{"correct-horse-battery-staple", ""},
		{"Tr0ub4dor&3", ""},
		{"short", "This password is too short. It must contain at least 8 characters."},
		{"password", "This password is too common."},
		{"PASSWORD ", "This password is too common."},
		{"12345678", "This password is too common. This password is entirely numeric."},
		{"123", "This password is too short. It must contain at least 8 characters. This password is too common. This password is entirely numeric."},
		{"90812735461", "This password is entirely numeric."},
		{"alice.smith1", "The password is too similar to the username."},
		{"smithalice", "The password is too similar to the username."},
		{"example.com!", "The password is too similar to the email address."},
		{"", "This password is too short. It must contain at least 8 characters."},
	}
	for _, c := range cases {
		err := p.Validate(c.password, alice)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("Validate(%q) = %q, want %q", c.password, got, c.want)
		}
	}
}

func TestSimilarityNamesTheFirstMatchingAttribute(t *testing.T) {
	u := UserAttributes{FirstName: "Maximilian", LastName: "Oberhausen", Email: "mo@example.org"}
	if m := similarityMessage("maximilian7", u); m != "The password is too similar to the first name." {
		t.Fatalf("got %q", m)
	}
	if m := similarityMessage("oberhausen!", u); m != "The password is too similar to the last name." {
		t.Fatalf("got %q", m)
	}
	// A part far shorter than the password cannot make it similar (Django ≥ 4).
	if m := similarityMessage("a-very-long-passphrase-about-mo", u); m != "" {
		t.Fatalf("got %q", m)
	}
}

// quickRatio must equal Python's difflib.SequenceMatcher(a, b).quick_ratio().
func TestQuickRatioMatchesDifflib(t *testing.T) {
	cases := []struct {
		a, b string
		want float64
	}{
		{"abcd", "bcde", 0.75},
		{"password", "password", 1},
		{"abc", "xyz", 0},
		{"aab", "abb", 2 * 2.0 / 6},
		{"", "", 1},
	}
	for _, c := range cases {
		if got := quickRatio([]rune(c.a), []rune(c.b)); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("quickRatio(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestCommonPasswordListIsEmbedded(t *testing.T) {
	p := NewPasswordPolicy()
	if n := len(p.common); n < 9000 {
		t.Fatalf("only %d common passwords loaded", n)
	}
	for _, pw := range []string{"123456", "qwerty", "iloveyou", "letmein"} {
		if _, ok := p.common[pw]; !ok {
			t.Errorf("%q missing from the list", pw)
		}
	}
}
