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
	return JPEGOf(w, h, 88, func(x, y int) uint8 { return uint8((x*x/(w+1) + y*3 + (x^y)&31) & 255) })
}

// JPEGOf encodes a w×h 4:2:0 JPEG at quality whose luma is luma(x, y) and
// whose chroma is a gradient.
func JPEGOf(w, h, quality int, luma func(x, y int) uint8) ([]byte, error) {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			img.Y[img.YOffset(x, y)] = luma(x, y)
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
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("harness: jpeg: %w", err)
	}
	return buf.Bytes(), nil
}
