package images

import (
	"encoding/binary"
	"image"
	"image/color"
	"regexp"
	"testing"
)

func TestProcessAvatarFitsBothSizesAndKeepsAlpha(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 1200, 400))
	for y := range 400 {
		for x := range 1200 {
			c := red
			if x < 600 {
				c = color.NRGBA{0, 0, 0xff, 0} // transparent left half
			}
			src.SetNRGBA(x, y, c)
		}
	}
	small, large, err := ProcessAvatar(encodePNG(t, src), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []struct {
		data []byte
		w, h int
	}{{small, 160, 53}, {large, 600, 200}} {
		img := decodeOutput(t, out.data, out.w, out.h)
		if got := img.At(out.w/4, out.h/2); !near(got, color.NRGBA{}, 8) {
			t.Errorf("%dx%d left %v, want transparent", out.w, out.h, got)
		}
		if got := img.At(3*out.w/4, out.h/2); !near(got, red, 8) {
			t.Errorf("%dx%d right %v, want red", out.w, out.h, got)
		}
	}
}

func TestProcessAvatarAppliesEXIFAndNeverUpscales(t *testing.T) {
	// 100×60 quadrants with orientation 6 become 60×100 with blue top-left.
	data := withEXIF(t, encodeJPEG(t, quadrants(100, 60)), 6, binary.BigEndian)
	small, large, err := ProcessAvatar(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range [][]byte{small, large} {
		img := decodeOutput(t, out, 60, 100)
		if got := img.At(15, 25); !near(got, blue, 40) {
			t.Errorf("top-left %v, want blue", got)
		}
	}
}

func TestNewAvatarKeys(t *testing.T) {
	for _, kind := range []AvatarKind{AvatarUsers, AvatarContacts} {
		small, large := NewAvatarKeys(kind)
		m := regexp.MustCompile(`^public/avatars/` + string(kind) + `/([0-9a-f]{32})\.webp$`).FindStringSubmatch(small)
		if m == nil {
			t.Fatalf("small key %q", small)
		}
		if large != "public/avatars/"+string(kind)+"/"+m[1]+"_lg.webp" {
			t.Fatalf("large key %q for %q", large, small)
		}
	}
}

func TestLargeAvatarKey(t *testing.T) {
	tests := map[string]string{
		"public/avatars/users/ab12.webp":   "public/avatars/users/ab12_lg.webp",
		"public/avatars/contacts/x.v1.png": "public/avatars/contacts/x.v1_lg.png",
		"public/avatars/users/noext":       "public/avatars/users/noext_lg",
	}
	for small, want := range tests {
		if got := LargeAvatarKey(small); got != want {
			t.Errorf("LargeAvatarKey(%q) = %q, want %q", small, got, want)
		}
	}
}
