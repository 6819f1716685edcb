package contacts

import (
	"regexp"
	"strings"
	"testing"
)

func TestSlugBase(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"Ada Lovelace":          "ada-lovelace",
		"!!!":                   "contact",
		"":                      "contact",
		"你好":                    "contact",
		strings.Repeat("a", 80): strings.Repeat("a", 50),
		// A cut that ends on a hyphen does not keep it.
		strings.Repeat("a", 49) + " b": strings.Repeat("a", 49),
	}
	for in, want := range cases {
		if got := slugBase(in); got != want {
			t.Errorf("slugBase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSlugCandidatesFitTheColumn(t *testing.T) {
	t.Parallel()
	base := strings.Repeat("x", 50)
	first := slugCandidates(base, 0)
	if first[0] != base || first[1] != strings.Repeat("x", 48)+"-1" || len(first) != slugBatch {
		t.Fatalf("first batch starts %q, %q (len %d)", first[0], first[1], len(first))
	}
	second := slugCandidates("ada", 1)
	if second[0] != "ada-50" || second[49] != "ada-99" {
		t.Fatalf("second batch = %q … %q", second[0], second[49])
	}
	for n := 0; n < slugBatches; n++ {
		for _, c := range slugCandidates(base, n) {
			if len(c) > maxSlugLength {
				t.Fatalf("candidate %q longer than %d", c, maxSlugLength)
			}
		}
	}
	r := randomSlug(base)
	if !regexp.MustCompile(`^x{41}-[0-9a-f]{8}$`).MatchString(r) {
		t.Fatalf("randomSlug = %q", r)
	}
}

func TestDerivedDisplayNameFitsTheColumn(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 255)
	f := Fields{FirstName: Optional[string]{Set: true, Value: long}, LastName: Optional[string]{Set: true, Value: long}}
	if got := f.displayName(); len([]rune(got)) != MaxTextLength {
		t.Fatalf("display name has %d characters", len([]rune(got)))
	}
	f = Fields{FirstName: Optional[string]{Set: true, Value: " Ada"}, LastName: Optional[string]{Set: true, Null: true}}
	if got := f.displayName(); got != "Ada" {
		t.Fatalf("display name = %q", got)
	}
}
