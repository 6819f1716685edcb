package textnorm

import (
	"testing"
)

func TestSlugifyMatchesDjango(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		// Django's own test cases (allow_unicode=False).
		"Hello, World!":                "hello-world",
		"spam & eggs":                  "spam-eggs",
		" multiple---dash and  space ": "multiple-dash-and-space",
		"\t whitespace-in-value \n":    "whitespace-in-value",
		"underscore_in-value":          "underscore_in-value",
		"__strip__underscore-value___": "strip__underscore-value",
		"--strip-dash-value---":        "strip-dash-value",
		"__strip-mixed-value---":       "strip-mixed-value",
		"_ -strip-mixed-value _-":      "strip-mixed-value",
		"İstanbul":                     "istanbul",
		"你好":                           "",
		"C++":                          "c",
		"C#":                           "c",
		"Émile Zola":                   "emile-zola",
		"naïve café":                   "naive-cafe",
		"Straße":                       "strae",
		"ﬃ":                            "ffi",
		"½":                            "12",
		"a\x1cb":                       "a-b",
		"a\u00a0b":                     "a-b",
		"a\u0085b":                     "ab",
		"foo_-_bar":                    "foo_-_bar",
		"":                             "",
		"!?!":                          "",
		"VIP":                          "vip",
	}
	for in, want := range cases {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}
