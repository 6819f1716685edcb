package images

import (
	"regexp"
	"testing"

	"github.com/google/uuid"
)

func TestNewOriginalKey(t *testing.T) {
	key := NewOriginalKey(42)
	m := regexp.MustCompile(`^private/images/42/([0-9a-f-]{36})\.webp$`).FindStringSubmatch(key)
	if m == nil {
		t.Fatalf("key %q", key)
	}
	if id, err := uuid.Parse(m[1]); err != nil || id.Version() != 4 {
		t.Fatalf("key %q: not a uuid4 (%v)", key, err)
	}
	if NewOriginalKey(42) == key {
		t.Fatal("two keys are equal")
	}
}

func TestVariantKeys(t *testing.T) {
	got := VariantKeys("private/images/7/abc.webp")
	want := map[string]string{
		VariantOriginal: "private/images/7/abc.webp",
		VariantThumb:    "private/images/7/abc_thumb.webp",
		VariantSm:       "private/images/7/abc_sm.webp",
		VariantMd:       "private/images/7/abc_md.webp",
		VariantLg:       "private/images/7/abc_lg.webp",
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	// Keys written by an earlier version may carry another extension; variants are WebP anyway.
	if got := VariantKeys("private/images/7/old.jpg")[VariantSm]; got != "private/images/7/old_sm.webp" {
		t.Errorf("jpg original: got %q", got)
	}
}

func TestVariantNamesInUploadOrder(t *testing.T) {
	want := []string{"original", "thumb", "sm", "md", "lg"}
	got := VariantNames()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
