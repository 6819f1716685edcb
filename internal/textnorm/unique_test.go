package textnorm

import (
	"strings"
	"testing"
)

func TestNumberedFitsMax(t *testing.T) {
	base := strings.Repeat("x", 50)
	got := Numbered(base, "-", 0, 12, 50)
	if got[0] != base || got[1] != strings.Repeat("x", 48)+"-1" || got[11] != strings.Repeat("x", 47)+"-11" {
		t.Fatalf("unexpected candidates: %q", got)
	}
	if page := Numbered("ada", "_", 3, 5, 50); len(page) != 2 || page[0] != "ada_3" || page[1] != "ada_4" {
		t.Fatalf("unexpected page: %q", page)
	}
}

func TestRandomSuffixedShape(t *testing.T) {
	r := RandomSuffixed(strings.Repeat("y", 60), "-")
	if len(r) != 50 || !strings.HasPrefix(r, strings.Repeat("y", 41)+"-") {
		t.Fatalf("RandomSuffixed = %q", r)
	}
}

func TestCutKeepsRunesWhole(t *testing.T) {
	if got := Cut("éééé", 2); got != "éé" {
		t.Fatalf("Cut = %q", got)
	}
}
