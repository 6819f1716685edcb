package tags

import (
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	ok := map[string][2]string{
		" VIP ":                 {"VIP", "vip"},
		"New customer":          {"New customer", "new-customer"},
		strings.Repeat("x", 50): {strings.Repeat("x", 50), strings.Repeat("x", 50)},
		strings.Repeat("ﬃ", 50): {strings.Repeat("ﬃ", 50), strings.Repeat("ffi", 17)[:50]},
		"\t" + "a" + "\x1f":     {"a", "a"},
	}
	for in, want := range ok {
		name, slug, err := NormalizeName(in)
		if err != nil || name != want[0] || slug != want[1] {
			t.Errorf("NormalizeName(%q) = %q, %q, %v; want %q, %q", in, name, slug, err, want[0], want[1])
		}
	}
	bad := map[string]string{
		"":                      "Tag names cannot be empty.",
		"   ":                   "Tag names cannot be empty.",
		strings.Repeat("x", 51): "Tag names cannot exceed 50 characters.",
		"!?!":                   "Tag names must contain at least one letter or number.",
		"a\x00b":                "Tag names cannot contain NUL characters.",
	}
	for in, want := range bad {
		if _, _, err := NormalizeName(in); err == nil || err.Error() != want {
			t.Errorf("NormalizeName(%q) error = %v, want %q", in, err, want)
		}
	}
}
