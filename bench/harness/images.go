package harness

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
)

// JPEG encodes a w×h photo-like test image: smooth gradients with some
// texture, so it compresses like a photograph rather than noise or a flat
// colour (a 12 MP image comes out at a few MB).
func JPEG(w, h int) ([]byte, error) {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			t := uint8((x*x/(w+1) + y*3 + (x^y)&31) & 255)
			img.Y[img.YOffset(x, y)] = t
		}
	}
	for y := range (h + 1) / 2 {
		for x := range (w + 1) / 2 {
			i := img.COffset(x*2, y*2)
			img.Cb[i] = uint8(64 + (x*128)/((w+1)/2))
			img.Cr[i] = uint8(192 - (y*128)/((h+1)/2))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 88}); err != nil {
		return nil, fmt.Errorf("harness: jpeg: %w", err)
	}
	return buf.Bytes(), nil
}
