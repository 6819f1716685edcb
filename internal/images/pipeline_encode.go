package images

import (
	"bytes"
	"fmt"
	"image"

	"github.com/gen2brain/webp"
)

// webpMethod trades encoder effort for speed (0 fastest … 6 smallest). On a 12 MP
// original under WASM the library default, 4, took 4× as long as 0 for files only ~2%
// smaller.
const webpMethod = 0

// WarmUp compiles the WebP encoder ahead of the first upload. gen2brain/webp uses the
// system libwebp.so (and libwebpdemux.so) through purego when it can dlopen them, and a
// WASM build of libwebp otherwise; only the WASM path needs warming (about 0.3 s).
func WarmUp() { webp.Init() }

// encodeWebP encodes lossy WebP at the given quality. Alpha survives: libwebp writes an
// alpha plane only when some pixel is not opaque.
func encodeWebP(img *image.NRGBA, quality int) ([]byte, error) {
	var buf bytes.Buffer
	// YUV 4:2:0 is what libwebp encodes; converting here in native Go is about twice
	// as fast overall as handing RGBA to libwebp's converter under WASM.
	if err := webp.Encode(&buf, toYUVA420(img), webp.Options{Quality: quality, Method: webpMethod}); err != nil {
		return nil, fmt.Errorf("images: encode webp %v: %w", img.Rect.Size(), err)
	}
	return buf.Bytes(), nil
}
