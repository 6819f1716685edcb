package images

import (
	"image"
	"math"

	"golang.org/x/image/draw"
)

// fitSize is the largest size with w:h's aspect inside a bw×bh box, never above w×h.
func fitSize(w, h, bw, bh int) (int, int) {
	if w <= bw && h <= bh {
		return w, h
	}
	scale := min(float64(bw)/float64(w), float64(bh)/float64(h))
	return max(1, int(math.Round(float64(w)*scale))), max(1, int(math.Round(float64(h)*scale)))
}

// resize scales src to exactly w×h. Catmull-Rom (a bicubic kernel widened to the scale
// factor, so it also anti-aliases) resamples in premultiplied space, which keeps
// transparent pixels' hidden colours from bleeding into visible edges.
func resize(src *image.NRGBA, w, h int) *image.NRGBA {
	if src.Rect.Dx() == w && src.Rect.Dy() == h {
		return src
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Rect, src, src.Rect, draw.Src, nil)
	unpremultiply(dst.Pix)
	return &image.NRGBA{Pix: dst.Pix, Stride: dst.Stride, Rect: dst.Rect}
}
