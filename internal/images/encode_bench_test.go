package images

import (
	"testing"

	"github.com/gen2brain/webp"
)

// BenchmarkEncodeWebP12MP times the WebP encode of one 4000×3000 picture alone.
// Run it as is (system libwebp when it can be loaded) and with -tags nodynamic
// (the embedded WASM encoder, what the static container image uses) to compare;
// docs/deploy.md records the figures.
func BenchmarkEncodeWebP12MP(b *testing.B) {
	img := photo(4000, 3000)
	if err := webp.Dynamic(); err != nil {
		b.Logf("WebP encoder: WASM (%v)", err)
	} else {
		b.Logf("WebP encoder: system libwebp")
	}
	WarmUp()
	for b.Loop() {
		if _, err := encodeWebP(img, 80); err != nil {
			b.Fatal(err)
		}
	}
}
