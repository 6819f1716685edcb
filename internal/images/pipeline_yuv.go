package images

import "image"

// WebP's lossy pixels are BT.601 limited-range ("studio swing") YUV 4:2:0. The fixed-point
// coefficients below are libwebp's (src/dsp/yuv.h), so colours match what libwebp itself
// would produce.
const (
	yuvFix  = 16
	yuvHalf = 1 << (yuvFix - 1)
)

func rgbToY(r, g, b int) uint8 {
	return uint8((16839*r + 33059*g + 6420*b + yuvHalf + 16<<yuvFix) >> yuvFix)
}

// rgbToUV takes channel sums over a 2×2 block (each 0..4×255).
func rgbToUV(r4, g4, b4 int) (uint8, uint8) {
	clip := func(v int) uint8 {
		v = (v + yuvHalf<<2 + 128<<(yuvFix+2)) >> (yuvFix + 2)
		return uint8(min(max(v, 0), 255))
	}
	return clip(-9719*r4 - 19081*g4 + 28800*b4), clip(28800*r4 - 24116*g4 - 4684*b4)
}

// toYUVA420 converts to the contiguous Y, Cb, Cr, A planes gen2brain/webp passes to
// libwebp as WEBP_YUV420A. Chroma of a partly transparent 2×2 block is alpha-weighted.
func toYUVA420(src *image.NRGBA) *image.NYCbCrA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewNYCbCrA(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		row := src.Pix[y*src.Stride:][:4*w]
		ys := dst.Y[y*dst.YStride:][:w]
		as := dst.A[y*dst.AStride:][:w]
		for x := range w {
			p := row[4*x:][:4]
			ys[x] = rgbToY(int(p[0]), int(p[1]), int(p[2]))
			as[x] = p[3]
		}
	}
	for cy := range (h + 1) / 2 {
		rows := [2][]byte{src.Pix[2*cy*src.Stride:][:4*w], nil}
		if 2*cy+1 < h {
			rows[1] = src.Pix[(2*cy+1)*src.Stride:][:4*w]
		} else {
			rows[1] = rows[0] // odd height: repeat the edge row, as libwebp does
		}
		cbs := dst.Cb[cy*dst.CStride:][:(w+1)/2]
		crs := dst.Cr[cy*dst.CStride:][:(w+1)/2]
		for cx := range cbs {
			x0, x1 := 4*2*cx, 4*2*cx
			if 2*cx+1 < w {
				x1 += 4
			}
			px := [4][]byte{rows[0][x0:][:4], rows[0][x1:][:4], rows[1][x0:][:4], rows[1][x1:][:4]}
			var r, g, b, a int
			for _, p := range px {
				r += int(p[0])
				g += int(p[1])
				b += int(p[2])
				a += int(p[3])
			}
			if a != 4*255 && a != 0 {
				r, g, b = 0, 0, 0
				for _, p := range px {
					r += int(p[0]) * int(p[3])
					g += int(p[1]) * int(p[3])
					b += int(p[2]) * int(p[3])
				}
				r, g, b = (4*r+a/2)/a, (4*g+a/2)/a, (4*b+a/2)/a
			}
			cbs[cx], crs[cx] = rgbToUV(r, g, b)
		}
	}
	return dst
}

// webpYUVToNRGBA converts x/image/webp's lossy output. It returns those planes as
// image.YCbCr, which Go would convert as full-range JFIF: blacks would come out grey and
// whites dim. a is the alpha plane (nil when opaque).
func webpYUVToNRGBA(src *image.YCbCr, a []byte, aStride int) *image.NRGBA {
	b := src.Rect
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := dst.Pix[(y-b.Min.Y)*dst.Stride:][:4*b.Dx()]
		for x := b.Min.X; x < b.Max.X; x++ {
			yy := int(src.Y[src.YOffset(x, y)])
			ci := src.COffset(x, y)
			p := row[4*(x-b.Min.X):][:4]
			p[0], p[1], p[2] = yuvToRGB(yy, int(src.Cb[ci]), int(src.Cr[ci]))
			p[3] = 0xff
			if a != nil {
				p[3] = a[(y-b.Min.Y)*aStride+(x-b.Min.X)]
			}
		}
	}
	return dst
}

// yuvToRGB is libwebp's VP8YUVToR/G/B.
func yuvToRGB(y, u, v int) (r, g, b uint8) {
	mulHi := func(v, c int) int { return (v * c) >> 8 }
	clip := func(v int) uint8 { return uint8(min(max(v, 0), 255<<6) >> 6) }
	yy := mulHi(y, 19077)
	return clip(yy + mulHi(v, 26149) - 14234),
		clip(yy - mulHi(u, 6419) - mulHi(v, 13320) + 8708),
		clip(yy + mulHi(u, 33050) - 17685)
}
